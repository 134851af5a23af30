import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** A call with less time than this left is not started: nothing here answers in under a millisecond. */
const MIN_START_MS = 1;

const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * The timeout the client sent (`grpc-timeout` on gRPC and gRPC-web, `connect-timeout-ms` on Connect), in ms.
 * connect-node has parsed and validated it already; this only reads the number back, because its timer
 * fires on a later tick and a sub-millisecond deadline would otherwise still look alive here.
 */
function requestedTimeoutMs(header: Headers): number | undefined {
  if (header.get("content-type")?.startsWith("application/grpc")) {
    const grpc = /^(\d{1,8})([HMSmun])$/.exec(header.get("grpc-timeout") ?? "");
    return grpc ? Number(grpc[1]) * GRPC_UNITS[grpc[2]] : undefined;
  }
  const connect = header.get("connect-timeout-ms");
  return connect !== null && /^\d{1,10}$/.test(connect) ? Number(connect) : undefined;
}

const exceeded = () => new ConnectError("deadline exceeded before the call could complete", Code.DeadlineExceeded);

function isDeadline(reason: unknown): boolean {
  return reason instanceof ConnectError && reason.code === Code.DeadlineExceeded;
}

/**
 * Honours the caller's deadline: a call whose deadline has passed (or is too short to start) is refused
 * with DeadlineExceeded before the handler runs, so no command starts after the caller gave up. A deadline
 * that passes while the handler runs answers DeadlineExceeded at once, as gRPC allows even when the
 * operation completes; the handler's own outcome is then dropped. Registered last, right before the handler.
 */
export function deadlineInterceptor(): Interceptor {
  return (next) => async (req) => {
    const timeout = requestedTimeoutMs(req.header);
    if ((req.signal.aborted && isDeadline(req.signal.reason)) || (timeout !== undefined && timeout < MIN_START_MS)) {
      throw exceeded();
    }
    if (timeout === undefined) return next(req);

    let onAbort = () => {};
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => isDeadline(req.signal.reason) && reject(exceeded());
      req.signal.addEventListener("abort", onAbort, { once: true });
    });
    const call = next(req);
    // the losing side of the race must not surface as an unhandled rejection
    call.catch(() => {});
    expired.catch(() => {});
    try {
      return await Promise.race([call, expired]);
    } catch (error) {
      // a handler that stopped because the deadline aborted its signal failed for that reason, not its own
      throw req.signal.aborted && isDeadline(req.signal.reason) ? exceeded() : error;
    } finally {
      req.signal.removeEventListener("abort", onAbort);
    }
  };
}

import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";

export interface HealthOptions {
  /** Readiness: migrations done and the database answering (bounded by HEALTH_CHECK_TIMEOUT). */
  isReady: () => Promise<boolean>;
  /** The services a client may name; "" is the whole server. */
  services: DescService[];
  /** How often a Watch re-checks readiness (HEALTH_WATCH_INTERVAL). */
  watchIntervalMs: number;
  /** Aborted when the server shuts down: watches send NOT_SERVING and end, so they do not hold the drain. */
  shutdown: AbortSignal;
}

/**
 * grpc.health.v1: every service depends on the database alone, so each registered name (and "") is SERVING
 * exactly when the server is ready. Check of an unknown name is NOT_FOUND; Watch of one streams
 * SERVICE_UNKNOWN, as the protocol specifies (the service might appear later).
 */
export function healthService({ isReady, services, watchIntervalMs, shutdown }: HealthOptions): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services.map((s) => s.typeName)]);
  const status = async () => ((await isReady()) ? Status.SERVING : Status.NOT_SERVING);
  return {
    async check({ service }) {
      if (!known.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
      return { status: await status() };
    },
    async *watch({ service }, context) {
      const signal = AbortSignal.any([context.signal, shutdown]);
      if (!known.has(service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        await waitOrAbort(Number.POSITIVE_INFINITY, signal);
        return;
      }
      let last: Status | undefined;
      while (!signal.aborted) {
        const now = await status();
        if (now !== last) yield { status: (last = now) };
        await waitOrAbort(watchIntervalMs, signal);
      }
      if (shutdown.aborted && last !== Status.NOT_SERVING) yield { status: Status.NOT_SERVING };
    },
  };
}

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

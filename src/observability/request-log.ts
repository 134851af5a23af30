import { randomUUID } from "node:crypto";
import { Code, ConnectError, createContextKey, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { kAccess } from "../api/context.js";
import type { Logger } from "../logger.js";
import type { Metrics, Protocol } from "./metrics.js";

export const kProtocol = createContextKey<Protocol>("connect", { description: "the wire protocol of the call" });

/** From the request's content type: connect-node serves gRPC, gRPC-web and Connect on the same paths. */
export function protocolOf(contentType: string | undefined): Protocol {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  return "connect";
}

const SANE_ID = /^[\x21-\x7e]{1,128}$/;

interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
}
interface HeaderSetter {
  setHeader(name: string, value: string): unknown;
}

/**
 * `x-request-id`: the caller's if sane (1–128 printable ASCII characters), else a new UUID. Written back
 * into the request, so every layer (and the REST gateway's in-process call) sees the same id, and set on
 * the response before anything is sent, so every protocol returns it as a response header.
 */
export function assignRequestId(req: HeaderCarrier, res: HeaderSetter): string {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && SANE_ID.test(given) ? given : randomUUID();
  req.headers["x-request-id"] = id;
  res.setHeader("x-request-id", id);
  return id;
}

/** Go's spelling of a status code (OK, NotFound, …), as Prometheus dashboards for gRPC expect. */
const codeName = (code: Code | undefined) => (code === undefined ? "OK" : Code[code]);

/**
 * Outermost interceptor: counts and times every call by service, method, protocol and code, and writes one
 * log line per call. It sees codes, never bodies or headers other than the request id, so no secret can
 * reach the line.
 */
export function observeInterceptor(metrics: Metrics, log: Logger): Interceptor {
  return (next) => async (req) => {
    const labels = { grpc_service: req.service.typeName, grpc_method: req.method.name, protocol: req.contextValues.get(kProtocol) };
    const startedAt = performance.now();
    metrics.started(labels);
    let finished = false;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      const code = error === undefined ? undefined : ConnectError.from(error).code;
      const ms = performance.now() - startedAt;
      metrics.handled(labels, codeName(code), ms / 1000);
      log.info("request", {
        method: `${labels.grpc_service}/${labels.grpc_method}`,
        protocol: labels.protocol,
        code: codeName(code),
        durationMs: Math.round(ms * 10) / 10,
        requestId: req.header.get("x-request-id") ?? undefined,
        principalId: req.contextValues.get(kAccess)?.principal.userId,
      });
    };
    try {
      const res = await next(req);
      if (res.stream) return { ...res, message: untilDone(res.message, finish, req.signal) } as StreamResponse;
      finish();
      return res;
    } catch (error) {
      finish(error);
      throw error;
    }
  };
}

/** A stream's status is known when it ends; one the client went away from is Canceled, however it ended. */
async function* untilDone<T>(messages: AsyncIterable<T>, finish: (error?: unknown) => void, signal: AbortSignal): AsyncIterable<T> {
  const canceled = new ConnectError("canceled by the client", Code.Canceled);
  try {
    yield* messages;
    finish(signal.aborted ? canceled : undefined);
  } catch (error) {
    finish(signal.aborted ? canceled : error);
    throw error;
  } finally {
    finish(canceled);
  }
}

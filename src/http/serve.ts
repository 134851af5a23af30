import { Code } from "@connectrpc/connect";
import { withDatabaseBudget } from "../db/budget.js";
import type { Logger } from "../logger.js";
import type { Metrics, Protocol } from "../observability/metrics.js";
import type { Req, Res } from "./request.js";
import { type Outcome, send } from "./response.js";
import { codeOfHttpStatus } from "./status.js";

/** What a surface tells the request log about a call once it knows. */
export interface Call {
  operation: string;
  principalId?: string;
}

export interface HttpSurfaceOptions {
  /** The `grpc_service` label of this surface's calls, e.g. "scim.v2". */
  service: string;
  protocol: Protocol;
  contentType: string;
  /** The operation a request names, a metrics label: a small fixed set per surface, never a path with ids. */
  operationOf(method: string, path: string): string;
  log: Logger;
  metrics?: Metrics;
  /** The database time one request may take in all (db/budget.ts), as for RPCs. */
  dbBudgetMs?: number;
  /** Any failure the handler threw, as this surface's error response. */
  failure(error: unknown, call: Call): Outcome;
}

const codeName = (code: Code | undefined) => (code === undefined ? "OK" : Code[code]);

/**
 * A plain HTTP surface (/v1, SCIM) served the way the RPC pipeline serves a call: under the request's
 * database budget, every failure rendered in the surface's format, and one log line and the same
 * `grpc_server_*` metrics per call (code = the status's gRPC code), with the surface's protocol label.
 */
export function serveHttpSurface(options: HttpSurfaceOptions, handle: (req: Req, call: Call) => Promise<Outcome>) {
  const { log, metrics } = options;
  return (req: Req, res: Res): void => {
    const startedAt = performance.now();
    const path = (req.url ?? "").split("?")[0];
    const call: Call = { operation: options.operationOf(req.method ?? "GET", path) };
    const labels = { grpc_service: options.service, grpc_method: call.operation, protocol: options.protocol };
    metrics?.started(labels);
    let answered = false;
    res.once("close", () => {
      const code = answered ? codeOfHttpStatus(res.statusCode) : Code.Canceled;
      const ms = performance.now() - startedAt;
      metrics?.handled(labels, codeName(code), ms / 1000);
      log.info("request", {
        method: `${req.method ?? "GET"} ${path}`,
        protocol: options.protocol,
        code: answered ? res.statusCode : 499,
        durationMs: Math.round(ms * 10) / 10,
        requestId: req.headers["x-request-id"],
        principalId: call.principalId,
      });
    });
    void withDatabaseBudget(options.dbBudgetMs, () => handle(req, call))
      .catch((error: unknown) => options.failure(error, call))
      .then((outcome) => {
        if (res.destroyed) return;
        answered = true;
        send(req, res, outcome, options.contentType);
      })
      .catch((error: unknown) => log.error("writing a response failed", { cause: String(error) }));
  };
}

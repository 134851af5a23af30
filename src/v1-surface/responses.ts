import type * as http from "node:http";
import type * as http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { toConnectError } from "../api/interceptors/errors.js";
import type { Logger } from "../logger.js";
import type { InvalidField } from "./validation.js";

export type Req = http.IncomingMessage | http2.Http2ServerRequest;
export type Res = http.ServerResponse | http2.Http2ServerResponse;

/** A response of this surface; `body` is JSON text (undefined: no body, as for 204). */
export interface Outcome {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

const json = (status: number, body: object, headers?: Record<string, string>): Outcome => ({ status, body: JSON.stringify(body), headers });
const error = (status: number, code: string, message: string, headers?: Record<string, string>) => json(status, { code, message }, headers);

export const noContent: Outcome = { status: 204 };
export const invalid = (fields: InvalidField[]) =>
  json(400, { message: "The request has syntax errors", syntaxErrors: { invalidFields: fields } });
export const unauthenticated = (what: string) => error(401, "UNAUTHENTICATED", `Missing or invalid ${what}`);
export const forbidden = json(403, { errorCode: "INSUFFICIENT_PERMISSIONS" });
export const routeNotFound = error(404, "NOT_FOUND", "No such resource");
export const methodNotAllowed = (allow: string[]) => error(405, "METHOD_NOT_ALLOWED", "Method not allowed", { allow: allow.join(", ") });
export const inProgress = json(409, { errorCode: "IDEMPOTENT_REQUEST_IN_PROGRESS" });
export const tooLarge = (limit: number) => error(413, "PAYLOAD_TOO_LARGE", `The request body exceeds ${limit} bytes`);
export const refReused = error(422, "IDEMPOTENCY-ref-reused", "The idempotency-ref was already used for a different request");
export const rateLimited = (seconds: number) =>
  error(429, "RATE_LIMITED", "Too many requests for this API key", { "retry-after": String(seconds) });

// Contention that outlasted the store's retries is transient, like an unreachable database: retry later.
const STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.FailedPrecondition]: 422,
  [Code.ResourceExhausted]: 429,
  [Code.Aborted]: 503,
  [Code.Unavailable]: 503,
};

/**
 * Any failure as this surface's `{code, message}`. Classification and logging are the API's one error edge
 * (`toConnectError`): domain refusals keep their reason id, anything unknown is a generic 500 whose cause
 * only the log sees.
 */
export function failure(cause: unknown, log: Logger, operation: string): Outcome {
  const err = toConnectError(cause, log, `v1/${operation}`);
  const detail = err.findDetails(ErrorDetailSchema)[0];
  const status = STATUS[err.code] ?? 500;
  if (status === 403) return forbidden;
  return error(status, detail?.id ?? "INTERNAL", detail?.message ?? "Internal error", status === 503 ? { "retry-after": "1" } : undefined);
}

export function send(req: Req, res: Res, outcome: Outcome): void {
  const headers: Record<string, string | number> = { ...outcome.headers };
  if (outcome.body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(outcome.body);
  }
  // The rest of an oversized body is never read, so an HTTP/1.1 connection cannot be reused.
  if (outcome.status === 413 && req.httpVersionMajor < 2) headers.connection = "close";
  (res as http.ServerResponse).writeHead(outcome.status, headers);
  res.end(outcome.body ?? "");
}

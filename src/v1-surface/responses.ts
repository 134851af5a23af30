import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { toConnectError } from "../api/interceptors/errors.js";
import { type Outcome, jsonOutcome as json } from "../http/response.js";
import { httpStatusOf } from "../http/status.js";
import type { Logger } from "../logger.js";
import type { InvalidField } from "./validation.js";

export type { Outcome };

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

/**
 * Any failure as this surface's `{code, message}`. Classification and logging are the API's one error edge
 * (`toConnectError`): domain refusals keep their reason id, anything unknown is a generic 500 whose cause
 * only the log sees.
 */
export function failure(cause: unknown, log: Logger, operation: string): Outcome {
  const err = toConnectError(cause, log, `v1/${operation}`);
  const detail = err.findDetails(ErrorDetailSchema)[0];
  const status = httpStatusOf(err.code, "v1");
  if (status === 403) return forbidden;
  return error(status, detail?.id ?? "INTERNAL", detail?.message ?? "Internal error", status === 503 ? { "retry-after": "1" } : undefined);
}

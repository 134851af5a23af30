import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { Code } from "@connectrpc/connect";
import { toConnectError } from "../api/interceptors/errors.js";
import { decodePathSegment } from "../api/interceptors/text-input.js";
import { DomainError } from "../domain/errors.js";
import { VERSION_MISMATCH } from "../commands/scim-user.js";
import type { Outcome } from "../http/response.js";
import { httpStatusOf } from "../http/status.js";
import type { Logger } from "../logger.js";

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** RFC 7644 §3.12 `scimType` values this server answers with. */
export type ScimType = "uniqueness" | "invalidFilter" | "invalidValue" | "mutability" | "invalidPath" | "invalidSyntax" | "tooMany" | "noTarget";

/** A refusal in SCIM's own terms, thrown by the SCIM layer (bad filter, path, body) and rendered by `scimFailure`. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ScimError";
  }
}

export const invalidValue = (message: string) => new ScimError(400, "invalidValue", message);
export const invalidFilter = (message: string) => new ScimError(400, "invalidFilter", message);
export const invalidPath = (message: string) => new ScimError(400, "invalidPath", message);
export const invalidSyntax = (message: string) => new ScimError(400, "invalidSyntax", message);
export const mutability = (message: string) => new ScimError(400, "mutability", message);

/** A path segment as checked text (the API's one input check); a malformed percent-encoding names nothing here. */
export function decodeSegment(segment: string): string {
  let text: string | undefined;
  try {
    text = decodePathSegment(segment);
  } catch (error) {
    throw error instanceof DomainError ? invalidValue(`${error.message} (${error.id})`) : error;
  }
  if (text === undefined) throw new ScimError(404, undefined, "No such endpoint (malformed percent-encoding in the path)");
  return text;
}

export type { Outcome };

export const errorOutcome = (status: number, detail: string, scimType?: ScimType, headers?: Record<string, string>): Outcome => ({
  status,
  body: JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail }),
  headers,
});

/** The scimType of a refusal, where RFC 7644 §3.12 names one for its class (a failed precondition has none). */
const SCIM_TYPE: Partial<Record<Code, ScimType>> = { [Code.InvalidArgument]: "invalidValue", [Code.AlreadyExists]: "uniqueness" };

/**
 * Any failure as an RFC 7644 §3.12 error. Everything but the SCIM layer's own refusals goes through the API's
 * one error edge (`toConnectError`): domain refusals keep their reason id in `detail`, anything unknown is a
 * generic 500 whose cause only the log sees.
 */
export function scimFailure(cause: unknown, log: Logger, operation: string): Outcome {
  if (cause instanceof ScimError) {
    log.warn("request refused", { procedure: `scim/${operation}`, reason: cause.scimType ?? String(cause.status) });
    return errorOutcome(cause.status, cause.message, cause.scimType);
  }
  const err = toConnectError(cause, log, `scim/${operation}`);
  const detail = err.findDetails(ErrorDetailSchema)[0];
  const text = detail ? `${detail.message} (${detail.id})` : "Internal error";
  if (detail?.id === VERSION_MISMATCH) return errorOutcome(412, text);
  const status = httpStatusOf(err.code, "scim");
  return errorOutcome(status, text, SCIM_TYPE[err.code], status === 503 ? { "retry-after": "1" } : undefined);
}

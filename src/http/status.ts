import { Code } from "@connectrpc/connect";

/** The plain HTTP surfaces; each answers a refusal's code with its own status. */
export type HttpSurface = "rest" | "v1" | "scim";

/**
 * The one table of HTTP statuses for the API's codes, one column per surface, so a difference between
 * them is a visible decision:
 * - rest: grpc-gateway's mapping, as ZITADEL's REST answers (docs/contract.md);
 * - v1: the /v1 contract answers a refused state change with 422, and contention that outlasted the
 *   store's retries with 503 (retry later), like an unreachable database;
 * - scim: RFC 7644 §3.12; a precondition is a 400 there, a duplicate a 409 (`uniqueness`).
 * A code without a status in a column is a 500.
 */
const TABLE: Partial<Record<Code, Record<HttpSurface, number | undefined>>> = {
  [Code.InvalidArgument]: { rest: 400, v1: 400, scim: 400 },
  [Code.FailedPrecondition]: { rest: 400, v1: 422, scim: 400 },
  [Code.OutOfRange]: { rest: 400, v1: 400, scim: 400 },
  [Code.Unauthenticated]: { rest: 401, v1: 401, scim: 401 },
  [Code.PermissionDenied]: { rest: 403, v1: 403, scim: 403 },
  [Code.NotFound]: { rest: 404, v1: 404, scim: 404 },
  [Code.AlreadyExists]: { rest: 409, v1: 409, scim: 409 },
  [Code.Aborted]: { rest: 409, v1: 503, scim: 503 },
  [Code.ResourceExhausted]: { rest: 429, v1: 429, scim: 429 },
  [Code.Canceled]: { rest: 499, v1: 499, scim: 499 },
  [Code.Unimplemented]: { rest: 501, v1: 501, scim: 501 },
  [Code.Unavailable]: { rest: 503, v1: 503, scim: 503 },
  [Code.DeadlineExceeded]: { rest: 504, v1: 504, scim: 504 },
};

export function httpStatusOf(code: Code, surface: HttpSurface): number {
  return TABLE[code]?.[surface] ?? 500;
}

/** The code an HTTP status stands for, as metrics and the request log name it for every protocol. */
export function codeOfHttpStatus(status: number): Code | undefined {
  if (status < 400) return undefined;
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 405:
      return Code.Unimplemented;
    case 409:
      return Code.AlreadyExists;
    case 412:
    case 422:
      return Code.FailedPrecondition;
    case 413:
    case 429:
      return Code.ResourceExhausted;
    case 415:
      return Code.InvalidArgument;
    case 499:
      return Code.Canceled;
    case 501:
      return Code.Unimplemented;
    case 503:
      return Code.Unavailable;
    case 504:
      return Code.DeadlineExceeded;
    default:
      return status < 500 ? Code.InvalidArgument : Code.Internal;
  }
}

import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorDetailSchema, ErrorFactsSchema } from "../../../gen/zitadel/message_pb.js";
import { isDatabaseDown } from "../../db/faults.js";
import { DomainError, type ErrorFacts, type ErrorKind } from "../../domain/errors.js";
import { ClaimTakenError, ConcurrencyError, OutcomeUnknownError } from "../../eventstore/errors.js";
import { HubClosedError } from "../../events/hub.js";
import type { Logger } from "../../logger.js";
import { DATABASE_DOWN } from "../../observability/outage-log.js";

const CODES: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  unimplemented: Code.Unimplemented,
};

const CLAIM_REASONS: Record<string, [string, string]> = {
  username: ["USER-username-taken", "Username is already taken in this organization"],
  org_name: ["ORG-name-taken", "Organization name is already taken"],
  org_domain: ["ORG-domain-taken", "An organization with this primary domain already exists"],
};

function withReason(code: Code, id: string, text: string, facts?: ErrorFacts): ConnectError {
  const details: ConstructorParameters<typeof ConnectError>[3] = [{ desc: ErrorDetailSchema, value: { id, message: text } }];
  if (facts) {
    details.push({ desc: ErrorFactsSchema, value: { facts: Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, String(v)])) } });
  }
  return new ConnectError(`${text} (${id})`, code, undefined, details);
}

/** A domain refusal as a protocol error, for an edge that answers before any handler runs (the REST gateway). */
export function refusal(error: DomainError): ConnectError {
  return withReason(CODES[error.kind], error.id, error.message, error.facts);
}

/** The one place where failures become protocol errors; every other layer just throws. */
export function toConnectError(error: unknown, log: Logger, procedure: string): ConnectError {
  if (error instanceof DomainError) {
    log.warn("request refused", { procedure, reason: error.id });
    return refusal(error);
  }
  if (error instanceof ClaimTakenError) {
    const [id, text] = CLAIM_REASONS[error.scope.split(":")[0]] ?? ["UNIQUE-taken", "Value is already taken"];
    log.warn("request refused", { procedure, reason: id });
    return withReason(Code.AlreadyExists, id, text);
  }
  if (error instanceof ConcurrencyError) {
    // Only after every retry lost the race: the client may simply try again.
    log.warn("request aborted by contention", { procedure, stream: error.stream });
    return withReason(Code.Aborted, "EVENTSTORE-contention", "Too many concurrent changes to the same object, try again");
  }
  if (error instanceof ConnectError) return error;
  if (error instanceof OutcomeUnknownError) {
    log.error("database connection failed after a change was sent; outcome unknown", { procedure, cause: String(error.cause) });
    return withReason(Code.Unavailable, "DB-outcome-unknown", "The database connection failed after the change was sent, and whether it was applied is unknown; read the object before retrying");
  }
  if (error instanceof HubClosedError) {
    log.warn("stream ended by shutdown", { procedure });
    return withReason(Code.Unavailable, "EVENTS-server-shutting-down", "The server is shutting down; resume from the last position received");
  }
  if (isDatabaseDown(error)) {
    log.error("database unavailable", { procedure, cause: String(error), ...DATABASE_DOWN });
    return withReason(Code.Unavailable, "DB-unavailable", "The database is not reachable, try again later");
  }
  log.error("request failed", { procedure, cause: error instanceof Error ? error.stack : String(error) });
  return withReason(Code.Internal, "INTERNAL", "Internal error");
}

export function errorInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      // A server stream fails while it is read, after this returned: convert its errors as they come.
      return res.stream ? { ...res, message: convertingErrors(res.message, log, procedure) } : res;
    } catch (error) {
      throw toConnectError(error, log, procedure);
    }
  };
}

async function* convertingErrors<T>(messages: AsyncIterable<T>, log: Logger, procedure: string): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error, log, procedure);
  }
}

/** The outcome classes of a refused command; the API edge maps each to its protocol's code. */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "permission_denied"
  | "unauthenticated"
  | "resource_exhausted"
  | "unavailable"
  | "unimplemented";

/** Facts a client may act on, e.g. the attempts left before a lockout; sent beside the reason id. */
export type ErrorFacts = Record<string, string | number | boolean>;

/** A rule said no. `id` is the stable reason id clients may match on, e.g. "USER-already-inactive". */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly id: string,
    message: string,
    readonly facts?: ErrorFacts,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const invalidArgument = (id: string, message: string, facts?: ErrorFacts) =>
  new DomainError("invalid_argument", id, message, facts);
export const notFound = (id: string, message: string) => new DomainError("not_found", id, message);
export const alreadyExists = (id: string, message: string) => new DomainError("already_exists", id, message);
export const failedPrecondition = (id: string, message: string) =>
  new DomainError("failed_precondition", id, message);
export const unimplemented = (id: string, message: string) => new DomainError("unimplemented", id, message);

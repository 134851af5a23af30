/** Another command appended to the same stream first; the command is re-run on fresh state. */
export class ConcurrencyError extends Error {
  constructor(readonly stream: string) {
    super(`stream ${stream} changed concurrently`);
  }
}

/** A unique value (e.g. a username in an organization) is already held by another aggregate. */
export class ClaimTakenError extends Error {
  constructor(
    readonly scope: string,
    readonly value: string,
  ) {
    super(`${scope} "${value}" is already taken`);
  }
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string } | undefined;
  return e?.code === "23505" && (e.constraint === constraint || (e.message ?? "").includes(constraint));
}

/**
 * The connection failed after the append was sent (its commit may have happened), and the store could not
 * find out whether it did: the change may or may not be in the log.
 */
export class OutcomeUnknownError extends Error {
  constructor(readonly cause: unknown) {
    super("the database connection failed after the change was sent, and whether it committed could not be checked");
    this.name = "OutcomeUnknownError";
  }
}

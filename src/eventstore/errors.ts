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

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01", // admin_shutdown (pg_terminate_backend)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovering)
  "57014", // query_canceled: statement_timeout hit
  "25P03", // idle_in_transaction_session_timeout ended the session
  "53300", // too_many_connections
]);

const CONNECTION_MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|timeout expired|Query read timeout|Client has encountered a connection error|Client was closed|Connection ended/i;

/**
 * Connection-level failures (SQLSTATE class 08, server shutdown, timeouts, socket errors) mean "the
 * database is not reachable now, try again later" — Unavailable, never Internal.
 */
export function isDatabaseDown(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && (CONNECTION_CODES.has(e.code) || e.code.startsWith("08"))) return true;
  if (typeof e.message === "string" && CONNECTION_MESSAGES.test(e.message)) return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseDown);
  return e.cause !== undefined && e.cause !== error && isDatabaseDown(e.cause);
}

/** A short, log-friendly description of a database fault: code and message, nested causes included. */
export function describeFault(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeFault).join("; ");
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== "object") return String(error);
  const own = [typeof e.code === "string" ? e.code : undefined, typeof e.message === "string" && e.message ? e.message : undefined]
    .filter(Boolean)
    .join(" ");
  const cause = e.cause !== undefined && e.cause !== error ? describeFault(e.cause) : "";
  return [own || String(error), cause].filter(Boolean).join(": ");
}

import { isDatabaseDown } from "../db/faults.js";
import type { Logger } from "../logger.js";

/** Fields of a line that reports the database as unreachable; such lines are collapsed (see below). */
export const DATABASE_DOWN = { databaseDown: true } as const;

/** The fields of a failure's log line: its cause, marked DATABASE_DOWN when the database was unreachable. */
export function failureFields(error: unknown): { cause: string; databaseDown?: true } {
  return { cause: error instanceof Error ? error.message : String(error), ...(isDatabaseDown(error) ? DATABASE_DOWN : {}) };
}

export interface OutageAwareLogger extends Logger {
  /** The database answered a statement: ends an outage in the log, if one was going on. */
  databaseAnswered(): void;
}

/**
 * During a database outage every request and every background attempt fails the same way; one line each
 * buried the log (9,134 lines in 40 s). Lines marked DATABASE_DOWN are collapsed: one when the database
 * goes away, one per `intervalMs` while it stays away (with the number of failures since the last line),
 * and one when it answers again. Everything else passes through; metrics still count every failure.
 */
export function collapsingDatabaseOutages(log: Logger, intervalMs: number, now = Date.now): OutageAwareLogger {
  let since: number | undefined;
  let lastLine = 0;
  let failures = 0;
  let sinceLastLine = 0;
  const report = (level: "warn" | "error", message: string, fields?: Record<string, unknown>) => {
    if (!fields?.databaseDown) return log[level](message, fields);
    const { databaseDown: _, ...rest } = fields;
    const at = now();
    failures++;
    sinceLastLine++;
    if (since === undefined) {
      since = lastLine = at;
      sinceLastLine = 0;
      return log.error("database unavailable", { first: message, ...rest });
    }
    if (at - lastLine < intervalMs) return;
    log.error("database still unavailable", { forMs: at - since, failures: sinceLastLine, last: message, ...rest });
    lastLine = at;
    sinceLastLine = 0;
  };
  return {
    info: (message, fields) => log.info(message, fields),
    warn: (message, fields) => report("warn", message, fields),
    error: (message, fields) => report("error", message, fields),
    databaseAnswered() {
      if (since === undefined) return;
      log.info("database available again", { downForMs: now() - since, failures });
      since = undefined;
      failures = 0;
    },
  };
}

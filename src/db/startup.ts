import type { Logger } from "../logger.js";
import { describeFault, isDatabaseDown } from "./faults.js";

export interface RetryOptions {
  log: Logger;
  /** What is being reached, for the log: host:port of PostgreSQL, or the PGlite directory. */
  target: string;
  /** First wait; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs: number;
}

/**
 * Runs a startup step (connect, migrate, bootstrap) until it succeeds, waiting with capped exponential
 * backoff while the database is unreachable and logging each failure with its cause. Any other error is
 * not going to heal by waiting and is thrown.
 */
export async function retryWhileDatabaseDown<T>(step: () => Promise<T>, options: RetryOptions): Promise<T> {
  let delay = Math.min(options.initialDelayMs ?? 250, options.maxDelayMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isDatabaseDown(error)) throw error;
      options.log.error("database unreachable, retrying", { database: options.target, cause: describeFault(error), attempt, retryInMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
}

/** host:port (and database) of a connection string, without credentials. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "an unparsable DATABASE_URL";
  }
}

/** Resolves `promise`, or `fallback` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

import { mkdirSync } from "node:fs";
import { Kysely, PostgresDialect } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import { acquireDirLock } from "./dir-lock.js";
import { createPgPool, type PgPoolStats, type PgTimeouts, type PoolMode } from "./pg-pool.js";
import { DEFAULT_PGLITE_SETTINGS, type OpenPglite, openPglite, type PgliteSettings } from "./pglite.js";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  /** postgres://… selects a PostgreSQL server; otherwise the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; ":memory:" for a throwaway database. */
  dataDir: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** PostgreSQL: `transaction` behind a transaction-pooling proxy such as PgBouncer (see pg-pool.ts). */
  poolMode?: PoolMode;
  /** PGlite's memory settings; defaults as in the README's configuration table. */
  pglite?: Partial<PgliteSettings>;
  /** PostgreSQL timeouts; defaults as in the README's configuration table. */
  timeouts?: Partial<PgTimeouts>;
  /** Told about connection faults outside any query (an idle or checked-out connection's backend died). */
  onConnectionError?: (error: Error) => void;
  /** PostgreSQL: told after each statement the database answered (cheap: it ends an outage in the log). */
  onAnswered?: () => void;
}

export interface OpenDatabase {
  db: Db;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
  /** PostgreSQL only: the connection pool's occupancy (PGlite has one in-process connection). */
  poolStats?: () => PgPoolStats;
  /**
   * PostgreSQL only: the database time one request may take in all, DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT
   * (db/budget.ts); undefined when the query timeout is off, and for PGlite, which runs in the process.
   */
  requestBudgetMs?: number;
}

export const DEFAULT_TIMEOUTS: PgTimeouts = { connectTimeoutMs: 5_000, queryTimeoutMs: 10_000, idleInTransactionTimeoutMs: 30_000 };

export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const given = Object.entries(options.timeouts ?? {}).filter(([, ms]) => ms !== undefined);
    const timeouts: PgTimeouts = { ...DEFAULT_TIMEOUTS, ...Object.fromEntries(given) };
    const pool = createPgPool(options.databaseUrl, options.poolSize ?? 20, timeouts, options.onConnectionError ?? (() => {}), options.onAnswered, options.poolMode);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const requestBudgetMs = timeouts.queryTimeoutMs > 0 ? timeouts.connectTimeoutMs + timeouts.queryTimeoutMs : undefined;
    return { db, kind: "postgres", close: () => db.destroy(), poolStats: pool.stats, requestBudgetMs };
  }
  const given = Object.entries(options.pglite ?? {}).filter(([, value]) => value !== undefined);
  const settings: PgliteSettings = { ...DEFAULT_PGLITE_SETTINGS, ...Object.fromEntries(given) };
  if (options.dataDir === ":memory:") return pgliteDatabase(await openPglite(":memory:", settings));
  mkdirSync(options.dataDir, { recursive: true });
  // Two processes on one PGlite directory corrupt it: the second one must not open it at all.
  const lock = acquireDirLock(options.dataDir);
  try {
    return pgliteDatabase(await openPglite(options.dataDir, settings), () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}

function pgliteDatabase({ pglite, stop }: OpenPglite, release = () => {}): OpenDatabase {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: "pglite",
    async close() {
      stop();
      try {
        await db.destroy();
      } finally {
        release();
      }
    },
  };
}

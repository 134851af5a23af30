import { Kysely, PostgresDialect, sql } from "kysely";
import type { Logger } from "../logger.js";
import { databaseDeadline, withDatabaseDeadline } from "./budget.js";
import type { Db } from "./database.js";
import { describeFault, isDatabaseDown } from "./faults.js";
import { parseLsn } from "./lsn.js";
import { nextRound } from "./next-round.js";
import { createPgPool, type PgTimeouts, type PoolMode } from "./pg-pool.js";
import type { Database } from "./schema.js";

/**
 * Where read-only queries run: `reads((db) => query(db))`. With a replica, `db` is a replica connection that
 * has replayed everything the primary had written when the read began, so a client sees its own writes
 * through any instance; otherwise (or when the replica is behind or away) it is the primary.
 */
export type Reads = <T>(query: (db: Db) => Promise<T>) => Promise<T>;

/** Why a read was served where it was, for metrics. */
export type ReadServedBy = "replica" | "primary_replica_behind" | "primary_replica_unavailable";

export interface ReadObserver {
  served(by: ReadServedBy): void;
  /** Seconds the replica's replay trails the last transaction it received (0 when it has replayed all). */
  lagSeconds(seconds: number): void;
}

export interface ReadReplicaOptions {
  primary: Db;
  /** DATABASE_READ_URL. */
  url: string;
  /** Longest wait for the replica to replay the primary's position before the primary answers instead. */
  maxWaitMs: number;
  poolSize?: number;
  poolMode?: PoolMode;
  timeouts: PgTimeouts;
  log: Logger;
  observer?: ReadObserver;
  /** After a replica fault, how long reads go straight to the primary before the replica is tried again. */
  retryAfterMs?: number;
}

/** Where this process's reads go; `close()` ends the replica's pool, if there is one. */
export interface ReadRoute {
  reads: Reads;
  close(): Promise<void>;
}

/** Without a replica every read runs on the primary. */
export function primaryReads(primary: Db): Reads {
  return (query) => query(primary);
}

const NOT_A_STANDBY = "the read database is not a standby (pg_last_wal_replay_lsn() is null): it cannot show the primary's writes";
// What a poll statement may take beyond the wait: a replica that stops answering mid-poll is given up on after it.
const POLL_GRACE_MS = 250;
const MAX_POLL_PAUSE_MS = 10;

class ReplicaUnusable extends Error {}

/**
 * Reads on a streaming replica with read-your-writes for every client through every instance, without
 * client cooperation: each read first asks the primary for its WAL write position (`pg_current_wal_lsn()`;
 * every commit acknowledged before the read began lies at or before it), then, on the one replica connection
 * the read will use, waits until `pg_last_wal_replay_lsn()` has passed it. Concurrent reads share one
 * primary query (nextRound). Checking on the read's own connection keeps this right when DATABASE_READ_URL
 * balances over several replicas.
 */
export function openReadReplica(options: ReadReplicaOptions): ReadRoute {
  const { primary, maxWaitMs, log, observer } = options;
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  const pool = createPgPool(options.url, options.poolSize ?? 20, options.timeouts, () => {}, undefined, options.poolMode);
  const replica = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const primaryPosition = nextRound(async () => {
    const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(primary);
    return parseLsn(rows[0].lsn);
  });

  let unusableUntil = 0;
  let unusableSaid = false;
  // For one more wait's length after a wait ran out, reads look once and do not wait (unless the replica is
  // seen caught up meanwhile): a replica that lags for minutes must not add the whole wait to every read, and
  // one that lags a little behind steady writes must not be given up on for good.
  let behindUntil = 0;

  const onPrimary = <T>(query: (db: Db) => Promise<T>, why: ReadServedBy) => {
    observer?.served(why);
    return query(primary);
  };

  const unusable = (error: unknown) => {
    unusableUntil = Date.now() + retryAfterMs;
    if (unusableSaid) return;
    unusableSaid = true;
    log.warn("read replica unusable: reads go to the primary", { cause: error instanceof ReplicaUnusable ? error.message : describeFault(error), retryInMs: retryAfterMs });
  };
  const usable = () => {
    if (!unusableSaid) return;
    unusableSaid = false;
    log.info("read replica usable again: reads go to it");
  };

  /** True once `conn` has replayed `target`; false when that did not happen by `until`. */
  async function replayed(conn: Db, target: bigint, until: number): Promise<boolean> {
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_POLL_PAUSE_MS)) {
      const { rows } = await sql<{ replayed: string | null; lag: number | null }>`select pg_last_wal_replay_lsn()::text as replayed,
        case when pg_last_wal_receive_lsn() is not distinct from pg_last_wal_replay_lsn() then 0
          else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag`.execute(conn);
      const { replayed: position, lag } = rows[0];
      if (position === null) throw new ReplicaUnusable(NOT_A_STANDBY);
      observer?.lagSeconds(Math.max(0, Number(lag ?? 0)));
      if (parseLsn(position) >= target) return (behindUntil = 0), true;
      const now = Date.now();
      if (now < behindUntil) return false;
      if (now + pause > until) return (behindUntil = now + maxWaitMs), false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  const reads: Reads = async (query) => {
    if (Date.now() < unusableUntil) return onPrimary(query, "primary_replica_unavailable");
    let target: bigint;
    try {
      target = await primaryPosition();
    } catch {
      // The primary did not answer: the read itself reports that, from the primary.
      return query(primary);
    }
    const started = Date.now();
    const requestDeadline = databaseDeadline();
    const attemptDeadline = Math.min(requestDeadline ?? Number.POSITIVE_INFINITY, started + maxWaitMs + POLL_GRACE_MS);
    let phase: "wait" | "query" = "wait";
    try {
      const outcome = await withDatabaseDeadline(attemptDeadline, () =>
        replica.connection().execute(async (conn) => {
          if (!(await replayed(conn, target, started + maxWaitMs))) return { served: false as const };
          phase = "query";
          return { served: true as const, value: await withDatabaseDeadline(requestDeadline, () => query(conn)) };
        }),
      );
      usable();
      if (!outcome.served) return onPrimary(query, "primary_replica_behind");
      observer?.served("replica");
      return outcome.value;
    } catch (error) {
      if (!(error instanceof ReplicaUnusable) && !isReplicaFault(error)) throw error; // the query's own answer (NotFound, …)
      if (phase === "wait") unusable(error);
      return onPrimary(query, "primary_replica_unavailable");
    }
  };

  return { reads, close: () => replica.destroy() };
}

/** The replica could not answer (down, timed out, or a statement cancelled by a conflict with recovery): the primary can. */
function isReplicaFault(error: unknown): boolean {
  return isDatabaseDown(error) || (error as { code?: unknown } | undefined)?.code === "40001";
}

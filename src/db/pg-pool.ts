import type { PostgresPool, PostgresPoolClient } from "kysely";
import pg from "pg";
import { BudgetExhaustedError, budgetLeftMs } from "./budget.js";
import { isDatabaseDown } from "./faults.js";
import { statementNamer } from "./prepared.js";

export interface PgTimeouts {
  /** Opening a connection, and waiting for a free one in the pool. */
  connectTimeoutMs: number;
  /** The server cancels a statement after this (statement_timeout); the client gives up a second later. */
  queryTimeoutMs: number;
  /** The server ends a session left idle inside a transaction this long. */
  idleInTransactionTimeoutMs: number;
}

const INT8_OID = 20;
/** The client-side read timeout trails statement_timeout, so a live server cancels first and the connection survives. */
const CLIENT_BACKSTOP_MS = 1_000;

/**
 * A pg pool whose faults stay requests' faults: every connection has an `error` listener (a checked-out
 * client whose backend dies would otherwise end the process), every wait is bounded, and a connection that
 * failed or timed out is destroyed on release instead of going back to the pool (after a client-side query
 * timeout it is still busy with the abandoned query and would block the next user).
 */
/** Pool occupancy, for metrics. */
export interface PgPoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * `session`: each pool connection is one PostgreSQL session (direct, or PgBouncer in session mode).
 * `transaction`: a transaction-pooling proxy (PgBouncer before 1.21 in transaction mode) may hand each
 * transaction to another server session, so nothing may rely on a session: no named prepared statements and
 * no session settings in the startup packet (PgBouncer refuses unknown startup parameters); the server-side
 * timeouts then belong on the role or database (ALTER ROLE … SET statement_timeout), the client-side
 * backstop stays.
 */
export type PoolMode = "session" | "transaction";

export function createPgPool(
  connectionString: string,
  poolSize: number,
  timeouts: PgTimeouts,
  onError: (error: Error) => void,
  onAnswered: () => void = () => {},
  mode: PoolMode = "session",
): PostgresPool & { stats(): PgPoolStats } {
  const sessionSettings =
    mode === "session"
      ? // 0 turns both off (pg treats a falsy value as "no timeout").
        { statement_timeout: timeouts.queryTimeoutMs, idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs }
      : {};
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    ...sessionSettings,
    query_timeout: timeouts.queryTimeoutMs > 0 ? timeouts.queryTimeoutMs + CLIENT_BACKSTOP_MS : 0,
    keepAlive: true,
    // int8 (positions, counts) as numbers like PGlite returns them; all of ours stay below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  const nameFor = mode === "session" ? statementNamer() : () => undefined;
  const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();
  const clientTimeoutMs = timeouts.queryTimeoutMs > 0 ? timeouts.queryTimeoutMs + CLIENT_BACKSTOP_MS : 0;
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await connectWithin(pool, budgetLeftMs());
      let prepared = preparedOn.get(client);
      if (!prepared) preparedOn.set(client, (prepared = new Set()));
      let broken = false;
      const markBroken = (error: unknown) => {
        if (isDatabaseDown(error)) broken = true;
      };
      const onError = () => (broken = true);
      client.on("error", onError);
      return {
        query: ((...args: Parameters<PostgresPoolClient["query"]>) => {
          // Plan once: a hot text runs as a named prepared statement (see prepared.ts).
          const [text, values] = args as unknown as [unknown, unknown[] | undefined];
          const name = typeof text === "string" ? nameFor(text, prepared) : undefined;
          const query = client.query as (...a: unknown[]) => unknown;
          // Within the request's budget: a statement gets what is left of it, if that is less than its own timeout.
          const left = budgetLeftMs();
          if (left !== undefined && left <= 0) {
            broken = true;
            return Promise.reject(new BudgetExhaustedError("before a statement could start"));
          }
          const limit = left === undefined ? undefined : clientTimeoutMs > 0 ? Math.min(clientTimeoutMs, left) : left;
          const result =
            name || limit !== undefined
              ? query.call(client, { ...(name ? { name } : {}), text, values: values ? [...values] : [], ...(limit !== undefined ? { query_timeout: Math.ceil(limit) } : {}) })
              : query.apply(client, args);
          if (result instanceof Promise) result.then(onAnswered, markBroken);
          return result;
        }) as PostgresPoolClient["query"],
        release: () => {
          client.off("error", onError);
          client.release(broken || undefined);
        },
      };
    },
    end: () => pool.end(),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** A pooled connection within `leftMs` (the pool's own connect timeout applies too); one that arrives later goes back. */
async function connectWithin(pool: pg.Pool, leftMs: number | undefined): Promise<pg.PoolClient> {
  if (leftMs === undefined) return pool.connect();
  if (leftMs <= 0) throw new BudgetExhaustedError("before a connection could be had");
  const pending = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExhaustedError("waiting for a connection")), leftMs);
  });
  try {
    return await Promise.race([pending, expired]);
  } catch (error) {
    pending.then((late) => late.release(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

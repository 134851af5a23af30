import { readFileSync } from "node:fs";
import type { LogLevel } from "./logger.js";
import { invalidArgument } from "./domain/errors.js";
import { parseCount, parseDuration } from "./domain/settings/parse.js";
import type { LockoutPolicy } from "./domain/settings/lockout.js";
import { DEFAULT_WATCH_OPTIONS, type WatchOptions } from "./events/hub.js";
import { type DeliveryOptions, deliveryOptionsFromEnv } from "./delivery/config.js";

export interface Config {
  port: number;
  host: string;
  /** PGlite directory, or ":memory:"; also where admin.pat is written. */
  dataDir: string;
  databaseUrl?: string;
  /** DATABASE_READ_URL: a streaming replica of DATABASE_URL for read-only queries (src/db/read-replica.ts). */
  databaseReadUrl?: string;
  /** DATABASE_READ_MAX_WAIT (1s): how long a read waits for the replica to replay the primary's position. */
  databaseReadMaxWaitMs?: number;
  /** The first admin's token on first start (for automation); random otherwise. */
  adminToken?: string;
  tls?: { cert: Buffer; key: Buffer };
  maxRequestBytes: number;
  logLevel: LogLevel;
  /** Requests per minute and API key on the /v1/users surface (default 600). */
  v1RateLimitPerMinute?: number;
  /** Lockout policy until an admin sets one (LockoutPolicyService/SetLockoutPolicy): LOCKOUT_MAX_PASSWORD_ATTEMPTS, LOCKOUT_DURATION. */
  lockout?: LockoutPolicy;
  /** How often policy locks past LOCKOUT_DURATION are lifted in the background (LOCKOUT_SWEEP_INTERVAL, default 10s). */
  lockoutSweepIntervalMs?: number;
  /** The lifecycle scheduler: LIFECYCLE_SWEEP_INTERVAL (default 15s, 0 = off) and LIFECYCLE_WORKERS (default 2). */
  lifecycle?: { intervalMs?: number; workers?: number };
  /** WatchEvents: EVENTS_POLL_INTERVAL, EVENTS_WATCH_BUFFER, EVENTS_WATCH_HEARTBEAT, EVENTS_WATCH_RECHECK. */
  watch?: Partial<WatchOptions>;
  /** Outbound event delivery to action targets (DELIVERY_*). */
  delivery?: Partial<DeliveryOptions>;
  /** Browser origins allowed to call the API (CORS_ALLOWED_ORIGINS, comma-separated; `*` for any). */
  corsAllowedOrigins?: string[];
  /** SCIM_BULK_MAX_OPERATIONS, SCIM_MAX_PAYLOAD_BYTES; undefined = the defaults in src/scim/surface.ts. */
  scim?: { maxOperations?: number; maxPayloadSize?: number };
  /** Where `npm run build` put the browser console (CONSOLE_DIR, default ./dist/console). */
  consoleDir?: string;
  // Database faults: every wait on PostgreSQL is bounded; defaults in src/db/database.ts and src/server/app.ts.
  /** DB_POOL_MODE: `transaction` behind PgBouncer in transaction pooling mode (no named prepared statements, no session settings). */
  dbPoolMode?: "session" | "transaction";
  /** DB_CONNECT_TIMEOUT (5s): opening a connection, or waiting for a free one in the pool. */
  dbConnectTimeoutMs?: number;
  /** DB_QUERY_TIMEOUT (10s): statement_timeout on the server; the client gives up one second later. */
  dbQueryTimeoutMs?: number;
  /** DB_IDLE_IN_TRANSACTION_TIMEOUT (30s): the server ends a session idle inside a transaction this long. */
  dbIdleInTransactionTimeoutMs?: number;
  /** DB_STARTUP_RETRY_MAX (30s): the longest wait between attempts to reach the database at startup. */
  dbStartupRetryMaxMs?: number;
  /** DB_OUTAGE_LOG_INTERVAL (10s): while the database is away, one log line per this interval (plus one when it goes and one when it is back). */
  outageLogIntervalMs?: number;
  /** HEALTH_CHECK_TIMEOUT (2s): /healthz and grpc.health.v1 answer NOT_SERVING when the database takes longer. */
  healthCheckTimeoutMs?: number;
  /** HEALTH_WATCH_INTERVAL (5s): how often a grpc.health.v1 Watch re-checks readiness. */
  healthWatchIntervalMs?: number;
  /** METRICS_PORT: serve /metrics on this port only (not on the API port); unset = on the API port. */
  metricsPort?: number;
  /** PGlite's memory: PGLITE_SHARED_BUFFERS, PGLITE_CHECKPOINT_INTERVAL; undefined = src/db/pglite.ts's default. */
  pglite?: { sharedBuffers?: string; checkpointIntervalMs?: number };
  /** SHUTDOWN_DELAY: after SIGTERM, how long /readyz answers 503 while requests are still served, before draining. */
  shutdownDelayMs?: number;
  /** WORKERS: processes serving the port (node:cluster); undefined = one per core on PostgreSQL, 1 on PGlite. */
  workers?: number;
  /** Connection limits (src/server/listen.ts); undefined = listen's default. */
  http?: HttpLimits;
}

/** HTTP_IDLE_TIMEOUT, HTTP_HEADERS_TIMEOUT, REQUEST_TIMEOUT, HTTP2_MAX_CONCURRENT_STREAMS, MAX_CONNECTIONS. */
export interface HttpLimits {
  idleTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConcurrentStreams?: number;
  maxConnections?: number;
}

/** Configuration comes from the environment only; these names are relied on by operators' scripts. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  if (env.DATABASE_READ_URL && !env.DATABASE_URL) throw invalidArgument("CONFIG-read-url-pglite", READ_URL_NEEDS_PRIMARY);
  const tls = env.TLS_CERT && env.TLS_KEY ? { cert: readFileSync(env.TLS_CERT), key: readFileSync(env.TLS_KEY) } : undefined;
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? "0.0.0.0",
    dataDir: env.DATA_DIR ?? "./data",
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReadUrl: env.DATABASE_READ_URL || undefined,
    databaseReadMaxWaitMs: parseDuration(env.DATABASE_READ_MAX_WAIT),
    adminToken: env.ADMIN_TOKEN || undefined,
    tls,
    maxRequestBytes: Number(env.MAX_REQUEST_BYTES ?? 4 * 1024 * 1024),
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? "info",
    v1RateLimitPerMinute: Number(env.V1_RATE_LIMIT_PER_MINUTE ?? 600),
    lockout: {
      maxPasswordAttempts: parseCount(env.LOCKOUT_MAX_PASSWORD_ATTEMPTS) ?? 0,
      maxOtpAttempts: 0,
      lockoutDurationMs: parseDuration(env.LOCKOUT_DURATION) ?? null,
    },
    lockoutSweepIntervalMs: parseDuration(env.LOCKOUT_SWEEP_INTERVAL),
    dbPoolMode: parsePoolMode(env.DB_POOL_MODE),
    lifecycle: { intervalMs: parseDuration(env.LIFECYCLE_SWEEP_INTERVAL), workers: parseCount(env.LIFECYCLE_WORKERS) },
    dbConnectTimeoutMs: parseDuration(env.DB_CONNECT_TIMEOUT),
    dbQueryTimeoutMs: parseDuration(env.DB_QUERY_TIMEOUT),
    dbIdleInTransactionTimeoutMs: parseDuration(env.DB_IDLE_IN_TRANSACTION_TIMEOUT),
    dbStartupRetryMaxMs: parseDuration(env.DB_STARTUP_RETRY_MAX),
    outageLogIntervalMs: parseDuration(env.DB_OUTAGE_LOG_INTERVAL),
    healthCheckTimeoutMs: parseDuration(env.HEALTH_CHECK_TIMEOUT),
    healthWatchIntervalMs: parseDuration(env.HEALTH_WATCH_INTERVAL),
    metricsPort: env.METRICS_PORT ? Number(env.METRICS_PORT) : undefined,
    workers: parseCount(env.WORKERS) || undefined,
    shutdownDelayMs: parseDuration(env.SHUTDOWN_DELAY),
    pglite: { sharedBuffers: parseMemorySize(env.PGLITE_SHARED_BUFFERS), checkpointIntervalMs: parseDuration(env.PGLITE_CHECKPOINT_INTERVAL) },
    http: {
      idleTimeoutMs: parseDuration(env.HTTP_IDLE_TIMEOUT),
      headersTimeoutMs: parseDuration(env.HTTP_HEADERS_TIMEOUT),
      requestTimeoutMs: parseDuration(env.REQUEST_TIMEOUT),
      maxConcurrentStreams: parseCount(env.HTTP2_MAX_CONCURRENT_STREAMS),
      maxConnections: parseCount(env.MAX_CONNECTIONS),
    },
    watch: {
      pollIntervalMs: parseDuration(env.EVENTS_POLL_INTERVAL) ?? DEFAULT_WATCH_OPTIONS.pollIntervalMs,
      bufferLimit: parseCount(env.EVENTS_WATCH_BUFFER) || DEFAULT_WATCH_OPTIONS.bufferLimit,
      heartbeatMs: parseDuration(env.EVENTS_WATCH_HEARTBEAT) ?? DEFAULT_WATCH_OPTIONS.heartbeatMs,
      recheckMs: parseDuration(env.EVENTS_WATCH_RECHECK) ?? DEFAULT_WATCH_OPTIONS.recheckMs,
    },
    delivery: deliveryOptionsFromEnv(env),
    consoleDir: env.CONSOLE_DIR || undefined,
    scim: scimLimitsFromEnv(env),
    corsAllowedOrigins: (env.CORS_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean),
  };
}

export const READ_URL_NEEDS_PRIMARY = "DATABASE_READ_URL needs DATABASE_URL: a replica streams from a PostgreSQL primary, and the embedded PGlite database has none";

/** "16MB", "512kB", "1GB" (PostgreSQL's memory units) → the same text; empty → undefined. */
function parseMemorySize(text: string | undefined): string | undefined {
  const value = (text ?? "").trim();
  if (value === "") return undefined;
  if (!/^[1-9]\d*(kB|MB|GB)$/.test(value)) throw invalidArgument("CONFIG-memory-size-invalid", `"${value}" is not a memory size like 16MB, 512kB or 1GB`);
  return value;
}

/** SCIM's limits; unset means the defaults in src/scim/surface.ts. */
function scimLimitsFromEnv(env: NodeJS.ProcessEnv): { maxOperations?: number; maxPayloadSize?: number } {
  const positive = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
    return n;
  };
  return { maxOperations: positive("SCIM_BULK_MAX_OPERATIONS"), maxPayloadSize: positive("SCIM_MAX_PAYLOAD_BYTES") };
}

/** DB_POOL_MODE: `session` (default) or `transaction`. */
function parsePoolMode(text: string | undefined): "session" | "transaction" | undefined {
  const value = (text ?? "").trim();
  if (value === "") return undefined;
  if (value !== "session" && value !== "transaction") throw invalidArgument("CONFIG-pool-mode-invalid", `DB_POOL_MODE must be session or transaction, not "${value}"`);
  return value;
}

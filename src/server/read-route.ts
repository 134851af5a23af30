import type { Registry } from "prom-client";
import { type Config, READ_URL_NEEDS_PRIMARY } from "../config.js";
import type { OpenDatabase } from "../db/database.js";
import { DEFAULT_TIMEOUTS } from "../db/database.js";
import { describeDatabaseUrl } from "../db/startup.js";
import { openReadReplica, primaryReads, type ReadRoute } from "../db/read-replica.js";
import { invalidArgument } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import { readReplicaMetrics } from "../observability/read-metrics.js";

export const DEFAULT_READ_MAX_WAIT_MS = 1_000;

/** DATABASE_READ_URL set: reads on that replica (PostgreSQL only); otherwise every read on the primary. */
export function openReadRoute(config: Config, database: OpenDatabase, log: Logger, registry: Registry): ReadRoute {
  if (!config.databaseReadUrl) return { reads: primaryReads(database.db), close: async () => {} };
  if (database.kind !== "postgres") {
    throw invalidArgument("CONFIG-read-url-pglite", READ_URL_NEEDS_PRIMARY);
  }
  const given = { connectTimeoutMs: config.dbConnectTimeoutMs, queryTimeoutMs: config.dbQueryTimeoutMs, idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...Object.fromEntries(Object.entries(given).filter(([, ms]) => ms !== undefined)) };
  const maxWaitMs = config.databaseReadMaxWaitMs ?? DEFAULT_READ_MAX_WAIT_MS;
  log.info("read replica: reads wait for it to replay the primary's position", { replica: describeDatabaseUrl(config.databaseReadUrl), maxWaitMs });
  return openReadReplica({ primary: database.db, url: config.databaseReadUrl, maxWaitMs, poolMode: config.dbPoolMode, timeouts, log, observer: readReplicaMetrics(registry) });
}

import type { Config } from "../config.js";
import { openDatabase } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import type { Logger } from "../logger.js";

/** `node dist/main.js migrate`: bring the schema up to date and exit (a Kubernetes Job before a rollout). */
export async function migrateOnly(config: Config, log: Logger): Promise<void> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMode: config.dbPoolMode, poolSize: 1, timeouts: { queryTimeoutMs: config.dbQueryTimeoutMs ?? 0 } });
  try {
    await migrateToLatest(database.db);
    log.info("migrations applied", { database: database.kind });
  } finally {
    await database.close();
  }
}

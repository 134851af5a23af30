import type { Config } from "../config.js";
import { type OpenDatabase, openDatabase } from "../db/database.js";
import { DirLockedError } from "../db/dir-lock.js";

/**
 * The server's database for a CLI; a PGlite directory in use by another process is a one-line error (and
 * the `hint`, if any) and exit 1.
 */
export async function openDatabaseForCli(config: Config, hint?: string): Promise<OpenDatabase> {
  try {
    return await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
    poolMode: config.dbPoolMode,
      timeouts: { connectTimeoutMs: config.dbConnectTimeoutMs, queryTimeoutMs: config.dbQueryTimeoutMs, idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs },
    });
  } catch (error) {
    if (!(error instanceof DirLockedError)) throw error;
    console.error(hint ? `${error.message}\n${hint}` : error.message);
    process.exit(1);
  }
}

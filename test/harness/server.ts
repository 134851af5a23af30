import type { Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type App, type AppOverrides, startApp } from "../../src/server/app.js";
import { createScratchDatabase, type DatabaseKind } from "./databases.js";

export interface TestServer {
  app: App;
  url: string;
  /** The bootstrap admin's token (IAM_OWNER). */
  adminToken: string;
  /** The scratch PostgreSQL database's URL; undefined on PGlite. */
  databaseUrl?: string;
  stop(): Promise<void>;
}

/**
 * Starts the real server on an ephemeral port against a fresh, empty database of the given kind. A
 * `config.databaseUrl` (PostgreSQL) or `config.dataDir` (PGlite) reuses that database, which stop() keeps;
 * a restart on it bootstraps nothing, so pass `config.adminToken` to know the admin's token.
 */
export async function startTestServer(kind: DatabaseKind, overrides: AppOverrides = {}, config: Partial<Config> = {}): Promise<TestServer> {
  const scratch = kind === "postgres" && !config.databaseUrl ? await createScratchDatabase() : undefined;
  const app = await startApp(
    {
      port: 0,
      host: "127.0.0.1",
      dataDir: ":memory:",
      databaseUrl: scratch?.url,
      adminToken: undefined,
      maxRequestBytes: 4 * 1024 * 1024,
      logLevel: process.env.TEST_LOG_LEVEL === "info" ? "info" : "silent",
      ...config,
    },
    { log: createLogger("silent"), ...overrides },
  );
  const adminToken = app.adminToken ?? config.adminToken;
  if (!adminToken) throw new Error("a fresh database must bootstrap an admin");
  return {
    app,
    url: app.url,
    adminToken,
    databaseUrl: scratch?.url,
    async stop() {
      await app.close();
      await scratch?.drop();
    },
  };
}

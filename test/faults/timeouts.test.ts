import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startApp } from "../../src/server/app.js";
import { createScratchDatabase } from "../harness/databases.js";

async function sessionSettings(env: Record<string, string>) {
  const scratch = await createScratchDatabase();
  const config = { ...configFromEnv({ ...env, DATABASE_URL: scratch.url, DATA_DIR: ":memory:" }), port: 0, host: "127.0.0.1", logLevel: "silent" as const };
  const app = await startApp(config, { log: createLogger("silent") });
  try {
    const { rows } = await sql<{ statement: string; idle: string }>`
      select current_setting('statement_timeout') as statement,
             current_setting('idle_in_transaction_session_timeout') as idle`.execute(app.database.db);
    return rows[0];
  } finally {
    await app.close();
    await scratch.drop();
  }
}

describe.runIf(process.env.DATABASE_URL)("PostgreSQL session timeouts", () => {
  it("apply by default, without any variable set", async () => {
    expect(await sessionSettings({})).toEqual({ statement: "10s", idle: "30s" });
  });

  it("follow DB_QUERY_TIMEOUT and DB_IDLE_IN_TRANSACTION_TIMEOUT", async () => {
    expect(await sessionSettings({ DB_QUERY_TIMEOUT: "1500ms", DB_IDLE_IN_TRANSACTION_TIMEOUT: "1m" })).toEqual({ statement: "1500ms", idle: "1min" });
    expect(await sessionSettings({ DB_QUERY_TIMEOUT: "0" })).toEqual({ statement: "0", idle: "30s" });
  });
});

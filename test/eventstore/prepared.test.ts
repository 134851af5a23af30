import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/db/database.js";
import { createScratchDatabase } from "../harness/databases.js";

// PostgreSQL only: PGlite runs in-process and plans nothing over a wire.
describe.runIf(process.env.DATABASE_URL)("prepared statements on PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: OpenDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    // One connection, so pg_prepared_statements (per session) shows everything the pool prepared.
    database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:", poolSize: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  const preparedTexts = async () =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(database.db)).rows.map((r) => r.statement);

  it("prepares a query once its text repeats, and answers it the same", async () => {
    for (let i = 0; i < 6; i++) {
      const { rows } = await sql<{ n: number }>`select ${i}::int + 1 as n`.execute(database.db);
      expect(rows).toEqual([{ n: i + 1 }]);
    }
    expect(await preparedTexts()).toContain("select $1::int + 1 as n");
  });

  it("leaves one-off texts unprepared and caps the statements per connection", async () => {
    await sql`select ${1}::int as one_off`.execute(database.db);
    for (let k = 0; k < 260; k++) {
      for (let i = 0; i < 3; i++) await sql.raw(`select ${k} as varying_${k}`).execute(database.db);
    }
    const texts = await preparedTexts();
    expect(texts.some((t) => t.includes("one_off"))).toBe(false);
    expect(texts.filter((t) => t.includes("varying_")).length).toBeGreaterThan(100);
    expect(texts.length).toBeLessThanOrEqual(200);
  });
});

import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenDatabase, openDatabase } from "../../src/db/database.js";
import { holdLease, releaseLease } from "../../src/db/lease.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { createScratchDatabase } from "../harness/databases.js";

// PostgreSQL only: the race between takers needs concurrent transactions, which PGlite never has (the
// lockout sweeper's tests run the same statement on PGlite).
describe.skipIf(!process.env.DATABASE_URL)("job leases on PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: OpenDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:" });
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  it("goes to exactly one of twenty processes racing for it, and stays with that one while it renews", async () => {
    const holders = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const won = await Promise.all(holders.map((h) => holdLease(database.db, "race", h, 60_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = holders[won.indexOf(true)];
    expect(await holdLease(database.db, "race", winner, 60_000)).toBe(true);
    const again = await Promise.all(holders.map((h) => holdLease(database.db, "race", h, 60_000)));
    expect(holders.filter((_, i) => again[i])).toEqual([winner]);
  });

  it("passes to another holder once it expires (a killed holder) or is released (a graceful stop)", async () => {
    expect(await holdLease(database.db, "expiry", "a", 150)).toBe(true);
    expect(await holdLease(database.db, "expiry", "b", 150)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await holdLease(database.db, "expiry", "b", 60_000)).toBe(true);
    expect(await holdLease(database.db, "expiry", "a", 60_000)).toBe(false);
    await releaseLease(database.db, "expiry", "b");
    expect(await holdLease(database.db, "expiry", "a", 60_000)).toBe(true);
    const { rows } = await sql<{ holder: string }>`select holder from job_leases where job = 'expiry'`.execute(database.db);
    expect(rows).toEqual([{ holder: "a" }]);
  });
});

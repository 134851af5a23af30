import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenDatabase, openDatabase } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { RateLimiter } from "../../src/v1-surface/rate-limit.js";
import { Clients } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { addApiKey, deactivatePath, v1 } from "./helpers.js";

describe.each(databaseKinds)("RateLimiter (token bucket per API key, in the database) on %s", (kind) => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let database: OpenDatabase;
  beforeAll(async () => {
    scratch = kind === "postgres" ? await createScratchDatabase() : undefined;
    database = await openDatabase({ databaseUrl: scratch?.url, dataDir: ":memory:" });
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  it("allows a burst of the per-minute limit, then one request per refilled token, and says when", async () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(database.db, 60, () => now);
    for (let i = 0; i < 60; i++) expect(await limiter.take("a")).toEqual({ ok: true });
    expect(await limiter.take("a")).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(await limiter.take("b")).toEqual({ ok: true });
    now += 999;
    expect((await limiter.take("a")).ok).toBe(false);
    now += 1;
    expect(await limiter.take("a")).toEqual({ ok: true });
    expect((await limiter.take("a")).ok).toBe(false);
  });

  it("computes Retry-After from the refill rate, never refills past the limit, and a clock behind refills nothing", async () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(database.db, 2, () => now);
    expect((await limiter.take("k")).ok && (await limiter.take("k")).ok).toBe(true);
    expect(await limiter.take("k")).toEqual({ ok: false, retryAfterSeconds: 30 });
    const behind = new RateLimiter(database.db, 2, () => now - 3_600_000);
    expect((await behind.take("k")).ok).toBe(false);
    now += 3_600_000;
    expect([(await limiter.take("k")).ok, (await limiter.take("k")).ok, (await limiter.take("k")).ok]).toEqual([true, true, false]);
  });

  // On PGlite the takes run one after another; on PostgreSQL they race on the key's row.
  it("never overspends under concurrent takes", async () => {
    const limiter = new RateLimiter(database.db, 20, () => 5_000_000);
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.take("race")));
    expect(decisions.filter((d) => d.ok)).toHaveLength(20);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("/v1 rate limit shared by two servers on one PostgreSQL database", () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    first = await startTestServer("postgres", {}, { v1RateLimitPerMinute: 10 });
    second = await startTestServer("postgres", {}, { v1RateLimitPerMinute: 10, databaseUrl: first.databaseUrl, adminToken: first.adminToken });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it("spends one budget per API key whichever instance serves the request", async () => {
    const clients = new Clients(first.url);
    const orgId = await newOrg(clients, first.adminToken);
    const admin = await newMachine(clients, first.adminToken, orgId, ["ADMIN"]);
    const { key } = await addApiKey(clients, first.adminToken);
    clients.close();
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const server = i % 2 === 0 ? first : second;
      statuses.push((await v1(server.url, "POST", deactivatePath("1"), { apiKey: key, token: admin.token })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  });
});

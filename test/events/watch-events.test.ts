import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import type { Db } from "../../src/db/database.js";
import { Clients, expectOk } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { Watcher, watchProtocols } from "./watch-client.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Test events straight into the log, as another writer's transaction would: optionally taking its id first. */
async function writeTransaction(db: Db, writer: number, tx: number, options: { events: number; delayMs: number; xidFirst: boolean; rollback: boolean }) {
  await db
    .transaction()
    .execute(async (trx) => {
      // Taking the transaction id first and inserting late gives it a higher position than later transactions.
      if (options.xidFirst) {
        await sql`select pg_current_xact_id()`.execute(trx);
        await sleep(options.delayMs);
      }
      const rows = Array.from({ length: options.events }, (_, k) => ({
        aggregate_type: "test",
        aggregate_id: `w${writer}`,
        sequence: tx * 10 + k + 1,
        type: "test.written",
        payload: JSON.stringify({ writer, tx, k }),
        creator: "writer",
        resource_owner: "test",
        created_at: new Date(),
      }));
      await trx.insertInto("events").values(rows as never).execute();
      await sleep(options.delayMs);
      if (options.rollback) throw new Error("rolled back on purpose");
    })
    .catch((error) => {
      if (!options.rollback) throw error;
    });
}

async function commitOrder(db: Db): Promise<bigint[]> {
  const { rows } = await sql<{ position: number }>`select position from events where aggregate_type = 'test' order by transaction_id, position`.execute(db);
  return rows.map((r) => BigInt(r.position));
}

/** Resolves once the server's shared reader feeds exactly `n` watchers (a from_now stream has joined, or all have left). */
const watching = (server: TestServer, n: number) => expect.poll(() => server.app.events.watchers, { timeout: 30_000 }).toBe(n);

describe.each(databaseKinds)("WatchEvents on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let admin: string;
  const maxDelay = kind === "postgres" ? 150 : 15;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { watch: { pollIntervalMs: 50, bufferLimit: 10_000, heartbeatMs: 15_000, recheckMs: 300 } });
    clients = new Clients(server.url);
    admin = server.adminToken;
  }, 120_000);
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  it("20 writers with late commits, 5+ watchers on every protocol: every event exactly once, in commit order", async () => {
    const db = server.app.database.db;
    const filter = { aggregateType: "test" };
    // Three watchers before the writes, two that join midway (backlog, then live), one that drops and resumes.
    const early = watchProtocols.slice(0, 3).map((p) => new Watcher(p, server.url, admin, { filter }));
    const dropping = new Watcher("grpc-web", server.url, admin, { filter });
    let late: Watcher[] = [];
    let resumed: Watcher | undefined;
    let rolledBack = 0;
    const writers = Array.from({ length: 20 }, async (_, writer) => {
      for (let tx = 0; tx < 5; tx++) {
        const rollback = Math.random() < 0.1;
        if (rollback) rolledBack++;
        await writeTransaction(db, writer, tx, { events: 1 + Math.floor(Math.random() * 3), delayMs: Math.floor(Math.random() * maxDelay), xidFirst: Math.random() < 0.5, rollback });
        if (writer === 0 && tx === 2) late = watchProtocols.slice(3).map((p) => new Watcher(p, server.url, admin, { filter }));
      }
    });
    await dropping.until((w) => w.events.length >= 20);
    await dropping.stop();
    resumed = new Watcher("connect-json", server.url, admin, { filter, fromPosition: dropping.lastPosition });
    await Promise.all(writers);

    const expected = await commitOrder(db);
    expect(expected.length).toBeGreaterThan(100);
    for (const watcher of [...early, ...late]) {
      await watcher.until((w) => w.events.length >= expected.length);
      expect(watcher.events.map((e) => e.position), watcher.protocol).toEqual(expected);
    }
    await resumed.until((w) => dropping.events.length + w.events.length >= expected.length);
    expect([...dropping.events, ...resumed.events].map((e) => e.position)).toEqual(expected);
    // Late transactions did overtake: a reader going by position alone would have skipped these.
    const overtaken = expected.filter((p, i) => i > 0 && p < expected[i - 1]).length;
    console.info(`${kind}: ${expected.length} events from 20 writers (${rolledBack} transactions rolled back), ${overtaken} delivered behind a higher position`);
    if (kind === "postgres") expect(overtaken).toBeGreaterThan(0);
    await Promise.all([...early, ...late, resumed].map((w) => w.stop()));
    await watching(server, 0);
  }, 180_000);

  it("from_now skips the past; a resumed stream starts right after the position given", async () => {
    const org = await newOrg(clients, admin);
    const user = await newHuman(clients, admin, org);
    const filter = { aggregateType: "user", aggregateId: user, resourceOwner: org };
    const now = new Watcher("grpc", server.url, admin, { filter, fromNow: true });
    const all = new Watcher("connect-proto", server.url, admin, { filter });
    await all.until((w) => w.events.length === 1);
    await watching(server, 2);
    expect(now.events).toEqual([]);
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId: user }, admin));
    await now.until((w) => w.events.length === 1);
    expect(now.events[0]).toMatchObject({ type: "user.locked", sequence: 2n, aggregateId: user });
    const resumed = new Watcher("grpc-web", server.url, admin, { filter, fromPosition: all.events[0].position });
    await resumed.until((w) => w.events.length === 1);
    expect(resumed.events.map((e) => e.type)).toEqual(["user.locked"]);
    await Promise.all([now, all, resumed].map((w) => w.stop()));
    await watching(server, 0);
  });

  it("a watcher who loses its permission is stopped; bad requests are refused", async () => {
    const org = await newOrg(clients, admin);
    const owner = await newMachine(clients, admin, org, ["ORG_OWNER"]);
    const watcher = new Watcher("grpc-js", server.url, owner.token, { filter: { resourceOwner: org }, fromNow: true });
    await watching(server, 1);
    const target = await newHuman(clients, admin, org);
    await watcher.until((w) => w.events.some((e) => e.aggregateId === target));
    expectOk(await clients.call("grpc", UserService, "deactivateUser", { userId: owner.userId }, admin));
    await watcher.done;
    expect(watcher.error).toMatchObject({ code: Code.Unauthenticated, reason: "AUTH-no-valid-token" });

    const other = await newOrg(clients, admin);
    const ownerB = await newMachine(clients, admin, other, ["ORG_OWNER"]);
    for (const protocol of watchProtocols) {
      const refused = new Watcher(protocol, server.url, ownerB.token, { filter: { resourceOwner: org } });
      await refused.done;
      expect(refused.error, protocol).toMatchObject({ code: Code.NotFound, reason: "ORG-not-found" });
      const everything = new Watcher(protocol, server.url, ownerB.token, {});
      await everything.done;
      expect(everything.error, protocol).toMatchObject({ code: Code.PermissionDenied, reason: "EVENTS-resource-owner-required" });
      const unknown = new Watcher(protocol, server.url, admin, { fromPosition: 987654321n });
      await unknown.done;
      expect(unknown.error, protocol).toMatchObject({ code: Code.InvalidArgument, reason: "EVENTS-position-unknown" });
    }
  });
});

describe.each(databaseKinds)("WatchEvents limits on %s", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { watch: { pollIntervalMs: 50, bufferLimit: 5, heartbeatMs: 200, recheckMs: 10_000 } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("an idle stream gets heartbeats", async () => {
    const watcher = new Watcher("grpc-web", server.url, server.adminToken, { filter: { aggregateType: "nothing" } });
    await watcher.until((w) => w.heartbeats >= 2, 30_000);
    await watcher.stop();
    await watching(server, 0);
  });

  it("a client that stops reading is cut off with ResourceExhausted once it is the buffer behind, and resumes without loss", async () => {
    const filter = { aggregateType: "burst" };
    const slow = new Watcher("grpc-js", server.url, server.adminToken, { filter, fromNow: true });
    await watching(server, 1);
    slow.pause!();
    // 200 events of 4 kB: far more than HTTP/2 flow control lets through to a client that does not read.
    const rows = Array.from({ length: 200 }, (_, i) => ({
      aggregate_type: "burst", aggregate_id: "b", sequence: i + 1, type: "test.burst", payload: JSON.stringify({ filler: "x".repeat(4096) }), creator: "c", resource_owner: "test", created_at: new Date(),
    }));
    const written = await server.app.database.db.insertInto("events").values(rows as never).returning("position").execute();
    // Once the shared reader is past the last one (or idle: the slow stream already gave up), it has offered
    // every event to the slow watcher's queue.
    await expect.poll(() => server.app.events.position ?? Number.POSITIVE_INFINITY, { timeout: 30_000 }).toBeGreaterThanOrEqual(Number(written.at(-1)!.position));
    slow.resume!();
    await slow.done;
    expect(slow.error).toMatchObject({ code: Code.ResourceExhausted, reason: "EVENTS-watcher-too-slow" });
    expect(slow.events.length).toBeLessThan(200);
    const resumed = new Watcher("connect-proto", server.url, server.adminToken, { filter, fromPosition: slow.lastPosition });
    await resumed.until((w) => slow.events.length + w.events.length >= 200);
    expect([...slow.events, ...resumed.events].map((e) => Number(e.sequence))).toEqual(rows.map((r) => r.sequence));
    console.info(`${kind}: the paused client got ${slow.events.length} of 200 events before ResourceExhausted`);
    await resumed.stop();
  });
});

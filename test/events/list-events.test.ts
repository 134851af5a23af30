import { Code } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventService } from "../../gen/lifecycle/event/v1/event_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk, rest, rpcProtocols } from "../harness/clients.js";
import pg from "pg";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { login, newHumanWithPassword } from "../login/helpers.js";

describe.each(databaseKinds)("ListEvents on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let admin: string;
  let orgA: string;
  let orgB: string;
  let userA: string;
  let ownerA: { userId: string; token: string };

  beforeAll(async () => {
    server = await startTestServer(kind);
    clients = new Clients(server.url);
    admin = server.adminToken;
    orgA = await newOrg(clients, admin);
    orgB = await newOrg(clients, admin);
    userA = await newHuman(clients, admin, orgA);
    await newHuman(clients, admin, orgB);
    ownerA = await newMachine(clients, admin, orgA, ["ORG_OWNER"]);
    expectOk(await clients.call("connect-json", UserService, "lockUser", { userId: userA }, ownerA.token));
    // Secrets in payloads: a password hash, a session token hash, a PAT hash, a password code hash.
    const withPassword = await newHumanWithPassword(clients, admin, orgA);
    expectOk(await login(clients, admin, { userId: withPassword.userId }));
    expectOk(await clients.call("connect-json", UserService, "passwordReset", { userId: withPassword.userId, medium: { case: "returnCode", value: {} } }, admin));
  }, 120_000);
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  it.each(rpcProtocols)("over %s: one user's history with types, sequence, creator and owner", async (protocol) => {
    const res = expectOk(await clients.call(protocol, EventService, "listEvents", { filter: { aggregateType: "user", aggregateId: userA, resourceOwner: orgA } }, ownerA.token));
    expect(res.events.map((e) => [e.type, Number(e.sequence)])).toEqual([["user.human.added", 1], ["user.locked", 2]]);
    const locked = res.events[1];
    expect(locked).toMatchObject({ aggregateType: "user", aggregateId: userA, creator: ownerA.userId, resourceOwner: orgA, payload: { reason: "manual" } });
    expect(res.nextPosition).toBe(locked.position);
  });

  it.runIf(kind === "postgres")("a transaction left open in another database on the same server holds nothing back here", async () => {
    const scratch = await createScratchDatabase();
    const other = new pg.Client({ connectionString: scratch.url });
    await other.connect();
    try {
      await other.query("begin");
      await other.query("select pg_current_xact_id()"); // holds an xid: the cluster-wide xmin stays behind it
      const userId = await newHuman(clients, admin, orgA);
      const res = expectOk(await clients.call("grpc", EventService, "listEvents", { filter: { aggregateType: "user", aggregateId: userId, resourceOwner: orgA } }, ownerA.token));
      expect(res.events.map((e) => e.type)).toEqual(["user.human.added"]);
    } finally {
      await other.query("rollback").catch(() => {});
      await other.end();
      await scratch.drop();
    }
  });

  it("over REST: POST /v1/events/_search", async () => {
    const res = await rest(server.url, "POST", "/v1/events/_search", { token: ownerA.token, body: { filter: { resourceOwner: orgA, eventTypes: ["user.locked"] } } });
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { type: string; aggregateId: string }) => [e.type, e.aggregateId])).toEqual([["user.locked", userA]]);
  });

  it("pages by position: pages of 3 add up to the whole log, in commit order", async () => {
    // The barrier is the oldest transaction running in this database: wait for the setup's to pass.
    const { rows } = await sql<{ position: number }>`select position from events order by transaction_id, position`.execute(server.app.database.db);
    await expect.poll(async () => expectOk(await clients.call("grpc", EventService, "listEvents", { limit: 1000 }, admin)).events.length, { timeout: 30_000 }).toBe(rows.length);
    const all = expectOk(await clients.call("grpc", EventService, "listEvents", { limit: 1000 }, admin)).events;
    expect(all.map((e) => Number(e.position))).toEqual(rows.map((r) => Number(r.position)));
    const paged = [];
    let after = 0n;
    for (;;) {
      const page = expectOk(await clients.call("connect-proto", EventService, "listEvents", { afterPosition: after, limit: 3 }, admin));
      if (page.events.length === 0) break;
      paged.push(...page.events);
      after = page.nextPosition;
    }
    expect(paged.map((e) => e.position)).toEqual(all.map((e) => e.position));
  });

  it("filters by type, creator, time and position range", async () => {
    const all = expectOk(await clients.call("grpc", EventService, "listEvents", { limit: 1000 }, admin)).events;
    const byCreator = expectOk(await clients.call("grpc", EventService, "listEvents", { filter: { creator: ownerA.userId } }, admin)).events;
    // The owner's first call of the day also recorded its activity, with itself as the creator.
    expect(byCreator.map((e) => e.type)).toEqual(["user.activity.recorded", "user.locked"]);
    const middle = all[Math.floor(all.length / 2)];
    const before = expectOk(await clients.call("grpc", EventService, "listEvents", { beforePosition: middle.position, limit: 1000 }, admin)).events;
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((e) => e.position < middle.position)).toBe(true);
    const future = timestampFromDate(new Date(Date.now() + 3_600_000));
    expect(expectOk(await clients.call("grpc", EventService, "listEvents", { filter: { createdAfter: future } }, admin)).events).toEqual([]);
    const past = expectOk(await clients.call("grpc", EventService, "listEvents", { filter: { createdBefore: future, eventTypes: ["org.added"] }, limit: 1000 }, admin)).events;
    expect(past.length).toBe(all.filter((e) => e.type === "org.added").length);
  });

  it("never sends a secret: no hash or code field, none of the stored secret values", async () => {
    const { rows } = await sql<{ payload: Record<string, unknown> }>`select payload from events`.execute(server.app.database.db);
    const secrets = rows.flatMap((r) => Object.entries(typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload))
      .filter(([k]) => /hash|code/i.test(k))
      .map(([, v]) => String(v));
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const protocol of rpcProtocols) {
      const res = expectOk(await clients.call(protocol, EventService, "listEvents", { limit: 1000 }, admin));
      const text = JSON.stringify(res.events.map((e) => e.payload));
      expect(text).not.toMatch(/hash|code/i);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    const viaRest = await rest(server.url, "POST", "/v1/events/_search", { token: admin, body: { limit: 1000 } });
    for (const secret of secrets) expect(JSON.stringify(viaRest.body)).not.toContain(secret);
  });

  it("an org's events need org.read there; instance-wide needs events.read", async () => {
    const own = expectOk(await clients.call("grpc", EventService, "listEvents", { filter: { resourceOwner: orgA }, limit: 1000 }, ownerA.token));
    expect(own.events.length).toBeGreaterThan(0);
    expect(own.events.every((e) => e.resourceOwner === orgA)).toBe(true);
    expect(await clients.call("grpc", EventService, "listEvents", {}, ownerA.token)).toMatchObject({ ok: false, code: Code.PermissionDenied, reason: "EVENTS-resource-owner-required" });
    expect(await clients.call("grpc", EventService, "listEvents", { filter: { resourceOwner: orgB } }, ownerA.token)).toMatchObject({ ok: false, code: Code.NotFound, reason: "ORG-not-found" });
  });

  it.each([
    ["an aggregate id without type", { filter: { aggregateId: "x" } }, "EVENTS-aggregate_type-missing"],
    ["a position no event has", { afterPosition: 987654321n }, "EVENTS-position-unknown"],
    ["a limit over 1000", { limit: 5000 }, "EVENTS-limit-invalid"],
    ["an empty event type", { filter: { eventTypes: [""] } }, "EVENTS-event_types-invalid"],
    ["a creator of 201 characters", { filter: { creator: "x".repeat(201) } }, "EVENTS-creator-invalid"],
  ])("bad input: %s → InvalidArgument", async (_label, request, reason) => {
    expect(await clients.call("connect-json", EventService, "listEvents", request as never, admin)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason });
  });
});

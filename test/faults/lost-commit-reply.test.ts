import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk } from "../harness/clients.js";
import { newHuman, newMachine, newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { addApiKey, countEvents, v1 } from "../v1-surface/helpers.js";
import { scratchDatabaseBehindProxy, type TcpProxy } from "./tcp-proxy.js";

// Real PostgreSQL only: the fault is in the network between the server and its database. The proxy
// delivers a command's commit and drops PostgreSQL's reply, so the change is committed but the server
// only sees its connection die. The answer must say what happened: success with its details, or (when
// the server cannot find out) a reason that says the outcome is unknown — never "changes nothing".
const ROUNDS = 4;
const isCommit = (bytes: Buffer) => bytes[0] === 0x51 && /^commit\b/i.test(bytes.subarray(5).toString("latin1"));

describe.runIf(process.env.DATABASE_URL)("a commit whose reply is lost (PostgreSQL)", () => {
  let database: Awaited<ReturnType<typeof scratchDatabaseBehindProxy>>;
  let proxy: TcpProxy;
  let server: TestServer;
  let clients: Clients;
  let orgId: string;
  let admin: { userId: string; token: string };
  let key: { key: string };
  let lostReplies = 0;
  let wrongAnswers = 0;

  beforeAll(async () => {
    database = await scratchDatabaseBehindProxy();
    proxy = database.proxy;
    server = await startTestServer("postgres", {}, { databaseUrl: database.url, dbQueryTimeoutMs: 1_000, dbConnectTimeoutMs: 500 });
    clients = new Clients(server.url);
    orgId = await newOrg(clients, server.adminToken);
    admin = await newMachine(clients, server.adminToken, orgId, ["ADMIN"]);
    key = await addApiKey(clients, server.adminToken);
  });
  afterAll(async () => {
    clients?.close();
    await server?.app.close();
    await database?.drop();
    console.log(`[faults] lost commit replies: ${lostReplies} commits with a failed reply, ${wrongAnswers} wrong answers`);
  });

  const db = () => server.app.database.db;
  const dropped = async <T>(run: () => Promise<T>): Promise<T> => {
    const before = proxy.repliesDropped;
    const result = await run();
    expect(proxy.repliesDropped, "the fault was injected").toBe(before + 1);
    lostReplies++;
    return result;
  };

  it("a single-statement append (group commit): success with the event's details, the event there once", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const userId = await newHuman(clients, server.adminToken, orgId);
      proxy.dropReplyTo((bytes) => bytes.includes(`"aggregate_id":"${userId}"`));
      const res = await dropped(() => clients.call("grpc", UserService, "deactivateUser", { userId }, server.adminToken));
      const events = await countEvents(db(), userId, "user.deactivated");
      if (!res.ok || events !== 1) wrongAnswers++;
      expect(events).toBe(1);
      const ok = expectOk(res);
      expect(ok.details?.sequence).toBeGreaterThan(0n);
      expect(ok.details?.resourceOwner).toBe(orgId);
    }
  });

  it("a transaction with an idempotency-ref (/v1): 204, the 204 stored, a retry replays it", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const userId = await newHuman(clients, server.adminToken, orgId);
      const ref = unique("ref");
      proxy.dropReplyTo(isCommit);
      const res = await dropped(() => v1(server.url, "POST", `/v1/users/${userId}/deactivate`, { apiKey: key.key, token: admin.token, ref }));
      const events = await countEvents(db(), userId, "user.deactivated");
      if (res.status !== 204 || events !== 1) wrongAnswers++;
      expect(res.status, res.text).toBe(204);
      expect(events).toBe(1);
      const record = await db().selectFrom("idempotency_records").select(["state", "status"]).where("ref", "=", ref).executeTakeFirst();
      expect(record).toEqual({ state: "done", status: 204 });
      const retry = await v1(server.url, "POST", `/v1/users/${userId}/deactivate`, { apiKey: key.key, token: admin.token, ref });
      expect({ status: retry.status, replayed: retry.headers.get("idempotency-replayed") }).toEqual({ status: 204, replayed: "true" });
    }
  });

  it("when the database stays away, the answer says the outcome is unknown; the stored /v1 answer is still right", async () => {
    const userId = await newHuman(clients, server.adminToken, orgId);
    proxy.dropReplyTo((bytes) => bytes.includes(`"aggregate_id":"${userId}"`), () => proxy.pause());
    const res = await dropped(() => clients.call("grpc", UserService, "lockUser", { userId }, server.adminToken));
    proxy.forward();
    expect(res).toMatchObject({ ok: false, code: Code.Unavailable, reason: "DB-outcome-unknown" });
    expect(await countEvents(db(), userId, "user.locked")).toBe(1);

    const other = await newHuman(clients, server.adminToken, orgId);
    const ref = unique("ref");
    proxy.dropReplyTo(isCommit, () => proxy.pause());
    const first = await dropped(() => v1(server.url, "POST", `/v1/users/${other}/deactivate`, { apiKey: key.key, token: admin.token, ref }));
    proxy.forward();
    expect(first.status, first.text).toBe(503);
    expect(first.body.code).toBe("DB-outcome-unknown");
    const retry = await v1(server.url, "POST", `/v1/users/${other}/deactivate`, { apiKey: key.key, token: admin.token, ref });
    if (retry.status !== 204) wrongAnswers++;
    expect({ status: retry.status, replayed: retry.headers.get("idempotency-replayed") }).toEqual({ status: 204, replayed: "true" });
    expect(await countEvents(db(), other, "user.deactivated")).toBe(1);
  });
});

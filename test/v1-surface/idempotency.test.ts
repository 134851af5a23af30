import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { newToken } from "../../src/credentials/tokens.js";
import { ClaimLostError, fingerprint, IdempotencyStore } from "../../src/v1-surface/idempotency.js";
import { expectOk } from "../harness/clients.js";
import { newHuman, newMachine, unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import type { TestServer } from "../harness/server.js";
import { activatePath, addApiKey, ageRecord, countEvents, deactivatePath, userState, v1 } from "./helpers.js";

const recordOf = (server: TestServer, ref: string) =>
  server.app.database.db.selectFrom("idempotency_records").select(["state", "status", "body"]).where("ref", "=", ref).executeTakeFirst();

describeOnDatabases("idempotency-ref on %s", (t) => {
  const { server, clients } = t;
  let admin: { userId: string; token: string };
  let key: { keyId: string; key: string };
  const db = () => server.app.database.db;
  const send = (path: string, ref?: string, body?: string) => v1(server.url, "POST", path, { apiKey: key.key, token: admin.token, ref, body });

  beforeAll(async () => {
    admin = await newMachine(clients, server.adminToken, t.orgId, ["ADMIN"]);
    key = await addApiKey(clients, server.adminToken);
  });

  it("20 parallel requests with one ref execute once: one event, every other answer a 409 or the replayed 204", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const ref = unique("ref");
    const results = await Promise.all(Array.from({ length: 20 }, () => send(deactivatePath(userId), ref)));
    const executed = results.filter((r) => r.status === 204 && r.headers.get("idempotency-replayed") === null);
    const others = results.filter((r) => !executed.includes(r));
    expect(executed).toHaveLength(1);
    for (const r of others) {
      if (r.status === 409) expect(r.body).toEqual({ errorCode: "IDEMPOTENT_REQUEST_IN_PROGRESS" });
      else expect({ status: r.status, replayed: r.headers.get("idempotency-replayed") }).toEqual({ status: 204, replayed: "true" });
    }
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(1);
    expect(await recordOf(server, ref)).toEqual({ state: "done", status: 204, body: null });
    expect((await send(deactivatePath(userId), ref)).headers.get("idempotency-replayed")).toBe("true");
  });

  it("20 parallel requests with different refs still meet the lifecycle rules: one 204, nineteen 422", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const results = await Promise.all(Array.from({ length: 20 }, () => send(deactivatePath(userId), unique("ref"))));
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.filter((r) => r.status === 422 && r.body.code === "USER-already-inactive")).toHaveLength(19);
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(1);
  });

  it("the record and the events commit together: a failure in the transaction leaves neither", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const ref = `fail-${newToken()}`;
    // A fault at the last write of the command's transaction, after its events were inserted.
    await sql`create function fail_done() returns trigger language plpgsql as $$
      begin
        if new.state = 'done' and new.ref like 'fail-%' then raise exception 'injected failure'; end if;
        return new;
      end $$`.execute(db());
    await sql`create trigger fail_done before update on idempotency_records for each row execute function fail_done()`.execute(db());
    try {
      expect((await send(deactivatePath(userId), ref)).status).toBe(500);
    } finally {
      await sql`drop trigger fail_done on idempotency_records`.execute(db());
      await sql`drop function fail_done`.execute(db());
    }
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(0);
    expect(await userState(db(), userId)).toBe("active");
    // The claim was given back, so the retry runs the command: once.
    expect(await recordOf(server, ref)).toBeUndefined();
    const retry = await send(deactivatePath(userId), ref);
    expect({ status: retry.status, replayed: retry.headers.get("idempotency-replayed") }).toEqual({ status: 204, replayed: null });
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(1);
  });

  it("a ref older than 24 h is a new request, and pruning deletes expired records only", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const ref = unique("ref");
    expect((await send(deactivatePath(userId), ref)).status).toBe(204);
    expectOk(await clients.call("connect-json", UserService, "reactivateUser", { userId }, server.adminToken));
    await ageRecord(db(), ref, 24 * 3600 - 60);
    expect((await send(deactivatePath(userId), ref)).headers.get("idempotency-replayed")).toBe("true");
    await ageRecord(db(), ref, 24 * 3600 + 1);
    const again = await send(deactivatePath(userId), ref);
    expect({ status: again.status, replayed: again.headers.get("idempotency-replayed") }).toEqual({ status: 204, replayed: null });
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(2);

    const fresh = unique("ref");
    const stale = unique("ref");
    expect((await send(activatePath(userId), fresh)).status).toBe(204);
    expect((await send(deactivatePath(userId), stale)).status).toBe(204);
    await ageRecord(db(), stale, 25 * 3600);
    expect(await new IdempotencyStore(db()).prune()).toBeGreaterThanOrEqual(1);
    expect(await recordOf(server, stale)).toBeUndefined();
    expect(await recordOf(server, fresh)).toMatchObject({ state: "done", status: 204 });
  });

  it("a claim taken over after 30 s can no longer complete; a different payload never takes one over", async () => {
    const store = new IdempotencyStore(db());
    const ref = unique("ref");
    const print = fingerprint("POST", deactivatePath("1"), Buffer.alloc(0));
    const first = await store.claim(key.keyId, ref, print);
    if (first.kind !== "claimed") throw new Error(`expected a claim, got ${first.kind}`);
    expect((await store.claim(key.keyId, ref, print)).kind).toBe("in-progress");
    await ageRecord(db(), ref, 31);
    expect((await store.claim(key.keyId, ref, fingerprint("POST", activatePath("1"), Buffer.alloc(0)))).kind).toBe("mismatch");
    const second = await store.claim(key.keyId, ref, print);
    if (second.kind !== "claimed") throw new Error(`expected a takeover, got ${second.kind}`);
    await expect(store.complete(db(), first.claim, 204, null)).rejects.toBeInstanceOf(ClaimLostError);
    await store.complete(db(), second.claim, 204, null);
    expect(await store.claim(key.keyId, ref, print)).toEqual({ kind: "replay", status: 204, body: null });
  });
});

describeOnDatabases("idempotency-ref across a restart on %s", { persistent: true }, (t) => {
  const { server, clients } = t;

  it("replays the stored response from the database after the server restarts", async () => {
    const admin = await newMachine(clients, server.adminToken, t.orgId, ["ADMIN"]);
    const { key } = await addApiKey(clients, server.adminToken);
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const ref = unique("ref");
    const send = (path: string) => v1(server.url, "POST", path, { apiKey: key, token: admin.token, ref });
    expect((await send(deactivatePath(userId))).status).toBe(204);

    await t.stopServer();
    await t.startServer();
    const replay = await send(deactivatePath(userId));
    expect({ status: replay.status, replayed: replay.headers.get("idempotency-replayed") }).toEqual({ status: 204, replayed: "true" });
    expect((await send(activatePath(userId))).status).toBe(422);
    expect(await countEvents(t.db, userId, "user.deactivated")).toBe(1);
    expect(await userState(t.db, userId)).toBe("inactive");
  });
});

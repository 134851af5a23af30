import { createHmac } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { ActionService } from "@zitadel/proto/zitadel/action/v2beta/action_service_pb.js";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryService, DeliveryState } from "../../gen/lifecycle/delivery/v1/delivery_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { type Receiver, startReceiver, waitFor } from "./receiver.js";

describe.each(databaseKinds)("event delivery to a real receiver, on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let actions: Client<typeof ActionService>;
  let receiver: Receiver;
  let orgId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer(kind, {}, { delivery: { pollIntervalMs: 50, retryScheduleMs: [100, 200], disableAfterFailures: 0 } });
    clients = new Clients(server.url);
    actions = createClientFor(ActionService)(createServerTransport(server.adminToken, { baseUrl: server.url }));
    orgId = await newOrg(clients, server.adminToken);
  }, 120_000);
  afterAll(async () => {
    clients?.close();
    // The receiver first: it drops the requests it holds, so the server's stop does not wait out their timeouts.
    await receiver?.close();
    await server?.stop();
  });

  /** A target at this path that hears every user.* event. */
  async function userTarget(path: string, timeoutSeconds = 5n) {
    const target = await actions.createTarget({ name: unique("t"), endpoint: receiver.url(path), timeout: { seconds: timeoutSeconds }, targetType: { case: "restAsync", value: {} } });
    await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [...(await currentUserTargets()), target.id] });
    return target;
  }
  async function currentUserTargets(): Promise<string[]> {
    const { executions } = await actions.listExecutions({});
    return executions.find((e) => e.condition?.conditionType.case === "event" && e.condition.conditionType.value.condition.case === "group")?.targets ?? [];
  }
  const lock = async (userId: string) => expectOk(await clients.call("connect-json", UserService, "lockUser", { userId }, server.adminToken));
  const unlock = async (userId: string) => expectOk(await clients.call("connect-json", UserService, "unlockUser", { userId }, server.adminToken));

  it("posts ZITADEL's payload, signed with ZITADEL-Signature and the Standard Webhooks headers", async () => {
    const target = await userTarget("/signed");
    const userId = await newHuman(clients, server.adminToken, orgId);
    await lock(userId);
    await waitFor(() => receiver.at("/signed").length >= 2, 20_000, "two deliveries");
    const [added, locked] = receiver.at("/signed");
    const payload = JSON.parse(locked.body);
    expect(Object.keys(payload).sort()).toEqual(["aggregateID", "aggregateType", "created_at", "event_payload", "event_type", "instanceID", "resourceOwner", "sequence", "userID", "version"].sort());
    expect(payload).toMatchObject({ aggregateID: userId, aggregateType: "user", resourceOwner: orgId, sequence: 2, event_type: "user.locked", event_payload: { reason: "manual" } });
    expect(JSON.parse(added.body).event_type).toBe("user.human.added");

    // ZITADEL's header, checked by hand: t=<unix>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>.
    const header = String(locked.headers["zitadel-signature"]);
    const t = /t=(\d+)/.exec(header)![1];
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(300);
    expect(header).toBe(`t=${t},v1=${createHmac("sha256", target.signingKey).update(`${t}.${locked.body}`).digest("hex")}`);
    // Standard Webhooks, with that standard's own library; the secret is the key's bytes in base64.
    const webhook = new Webhook(Buffer.from(target.signingKey).toString("base64"));
    expect(webhook.verify(locked.body, locked.headers as Record<string, string>)).toMatchObject({ event_type: "user.locked" });
    expect(() => new Webhook(Buffer.from("wrong key").toString("base64")).verify(locked.body, locked.headers as Record<string, string>)).toThrow();
    expect(locked.headers["webhook-id"]).not.toBe(added.headers["webhook-id"]);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^delivery_attempts_total\{outcome="delivered"\} [1-9]/m);
    expect(metrics).toContain("delivery_retry_queue_depth");
  });

  it("keeps each user's events in order while users are written concurrently", async () => {
    await userTarget("/ordered");
    const users = await Promise.all(Array.from({ length: 6 }, () => newHuman(clients, server.adminToken, orgId)));
    await Promise.all(users.map(async (u) => {
      for (let i = 0; i < 3; i++) {
        await lock(u);
        await unlock(u);
      }
    }));
    await waitFor(() => users.every((u) => receiver.events("/ordered").filter((e) => e.aggregateID === u).length === 7), 30_000, "7 events per user");
    for (const u of users) {
      const sequences = receiver.events("/ordered").filter((e) => e.aggregateID === u).map((e) => e.sequence);
      expect(sequences).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it("retries a receiver that answers 500 with the same webhook-id, and logs every attempt", async () => {
    const target = await userTarget("/flaky");
    receiver.on("/flaky", (_req, nth) => (nth <= 2 ? 500 : 200));
    const userId = await newHuman(clients, server.adminToken, orgId);
    await waitFor(() => receiver.at("/flaky").length >= 3, 20_000, "three attempts");
    const ids = new Set(receiver.at("/flaky").map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    // The third answer reaches the receiver before the server records it.
    const readLog = () => server.app.database.db.selectFrom("delivery_log").selectAll().where("target_id", "=", target.id).orderBy("id").execute();
    await waitFor(async () => (await readLog()).length >= 3, 10_000, "three logged attempts");
    const log = await readLog();
    expect(log.map((l) => [l.attempt, l.outcome, l.status_code])).toEqual([[1, "failed", 500], [2, "failed", 500], [3, "delivered", 200]]);
    expect(JSON.parse(receiver.at("/flaky")[2].body).aggregateID).toBe(userId);
  });

  it("redelivers at once a failed delivery that waits for its next retry", async () => {
    const target = await userTarget("/waiting");
    let answer = 500;
    receiver.on("/waiting", () => answer);
    await newHuman(clients, server.adminToken, orgId);
    const db = server.app.database.db;
    await waitFor(async () => !!(await db.selectFrom("delivery_log").select("id").where("target_id", "=", target.id).executeTakeFirst()), 20_000, "the failed attempt recorded");
    // As if the schedule's next wait were an hour (this server's is 100 ms, so this follows the first failure).
    const waiting = await db.updateTable("deliveries").set({ next_attempt_at: new Date(Date.now() + 3_600_000) }).where("target_id", "=", target.id).where("state", "=", "pending").returning("position").execute();
    expect(waiting).toHaveLength(1);
    const calls = receiver.at("/waiting").length;
    answer = 200;
    expectOk(await clients.call("connect-json", DeliveryService, "redeliver", { targetId: target.id, position: BigInt(waiting[0].position) }, server.adminToken));
    await waitFor(() => receiver.at("/waiting").length > calls, 5_000, "the redelivery");
    expect(new Set(receiver.at("/waiting").map((r) => r.headers["webhook-id"])).size).toBe(1);
  });

  it("puts a delivery that fails through the whole schedule on the dead-letter list", async () => {
    const target = await userTarget("/dead");
    receiver.on("/dead", () => 503);
    await newHuman(clients, server.adminToken, orgId);
    const db = server.app.database.db;
    await waitFor(async () => (await db.selectFrom("deliveries").select("state").where("target_id", "=", target.id).executeTakeFirst())?.state === "dead", 20_000, "a dead letter");
    expect(receiver.at("/dead")).toHaveLength(3);

    // The dead letter, and the delivery log, through the project's DeliveryService; then sent again.
    const call = <M extends "listDeliveries" | "listDeliveryAttempts" | "redeliverDeadLetters" | "replay" | "redeliver">(method: M, body: object) =>
      clients.call("connect-json", DeliveryService, method, body as never, server.adminToken);
    const dead = expectOk(await call("listDeliveries", { targetId: target.id, state: DeliveryState.DEAD }));
    expect(dead.deliveries).toHaveLength(1);
    expect(dead.deliveries[0]).toMatchObject({ eventType: "user.human.added", attempts: 3, lastStatusCode: 503 });
    const attempts = expectOk(await call("listDeliveryAttempts", { targetId: target.id }));
    expect(attempts.attempts.map((a) => a.outcome)).toEqual(["dead", "failed", "failed"]);
    const status = expectOk(await clients.call("grpc", DeliveryService, "getDeliveryStatus", { targetId: target.id }, server.adminToken));
    expect(status).toMatchObject({ active: true, deadLetters: 1n, lagEvents: 0n, consecutiveFailures: 3 });
    receiver.on("/dead", () => 200);
    expect(expectOk(await call("redeliverDeadLetters", { targetId: target.id })).count).toBe(1);
    await waitFor(() => receiver.at("/dead").length === 4, 20_000, "the redelivery");
    expect(new Set(receiver.at("/dead").map((r) => r.headers["webhook-id"])).size).toBe(1);

    // Replay from the event's position: it goes out once more, with the same webhook-id.
    const position = dead.deliveries[0].position;
    expect(expectOk(await call("replay", { targetId: target.id, from: { case: "position", value: position } })).fromPosition).toBe(position);
    await waitFor(() => receiver.at("/dead").length >= 5, 20_000, "the replay");
    expect(new Set(receiver.at("/dead").map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(await call("redeliver", { targetId: target.id, position: 1n })).toMatchObject({ ok: false, code: 5 });
  });

  it("disables a target that answers 410 Gone, with an event by the delivery principal", async () => {
    const target = await userTarget("/gone");
    receiver.on("/gone", () => 410);
    await newHuman(clients, server.adminToken, orgId);
    const db = server.app.database.db;
    await waitFor(async () => !!(await db.selectFrom("events").select("creator").where("aggregate_id", "=", target.id).where("type", "=", "target.disabled").executeTakeFirst()), 20_000, "target.disabled");
    const disabled = await db.selectFrom("events").select(["creator", "payload"]).where("aggregate_id", "=", target.id).where("type", "=", "target.disabled").executeTakeFirstOrThrow();
    expect(disabled.creator).toBe("system:delivery");
    const status = expectOk(await clients.call("connect-json", DeliveryService, "getDeliveryStatus", { targetId: target.id }, server.adminToken));
    expect(status).toMatchObject({ active: false, disabledReason: "gone", disabledDetail: expect.stringContaining("410 Gone") });
    expect(status.disabledTime).toBeDefined();
    const calls = receiver.at("/gone").length;
    await newHuman(clients, server.adminToken, orgId);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at("/gone")).toHaveLength(calls);
  });

  it("lets a receiver that never answers hold only its own slot until its timeout", async () => {
    const hang = await userTarget("/hang", 60n);
    receiver.on("/hang", () => "hang");
    await userTarget("/prompt");
    const userId = await newHuman(clients, server.adminToken, orgId);
    await waitFor(() => receiver.events("/prompt").some((e) => e.aggregateID === userId), 20_000, "the prompt target");
    // The hanging attempt is still open (no outcome logged) while the other target got its event.
    expect(receiver.at("/hang")).toHaveLength(1);
    const logged = await server.app.database.db.selectFrom("delivery_log").select("id").where("target_id", "=", hang.id).execute();
    expect(logged).toHaveLength(0);
  });
});

import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { ActionService } from "@zitadel/proto/zitadel/action/v2beta/action_service_pb.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk } from "../harness/clients.js";
import { newHuman, unique } from "../harness/fixtures.js";
import { databaseKinds } from "../harness/databases.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { type Receiver, startReceiver, waitFor } from "./receiver.js";

/** The delivery loop's statements so far, as /metrics tells them. */
async function loopQueries(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = /^delivery_loop_queries_total (\d+)$/m.exec(text);
  if (!line) throw new Error("delivery_loop_queries_total is missing from /metrics");
  return Number(line[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The idle fallback (other processes on PostgreSQL) is set far beyond the window, so the window sees what
// this process does on its own; the fallback is one query, counted in the last test.
describeOnDatabases("the delivery loop while idle, on %s", { config: { delivery: { idlePollIntervalMs: 3_600_000 } } }, (t) => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it("sends no statement at all while no target is active, commands and reads going on", async () => {
    // The first look at start-up finds nothing; from then on the loop sleeps.
    await waitFor(async () => (await loopQueries(t.url)) > 0, 10_000, "the first look");
    const before = await loopQueries(t.url);
    const userId = await newHuman(t.clients, t.adminToken, t.orgId);
    expectOk(await t.clients.call("grpc", UserService, "lockUser", { userId }, t.adminToken));
    await sleep(2_000);
    expect(await loopQueries(t.url)).toBe(before);
  });

  it("starts delivering within a second of a target and an execution, and stops asking once it is gone", async () => {
    const actions = createClientFor(ActionService)(createServerTransport(t.adminToken, { baseUrl: t.url }));
    const target = await actions.createTarget({ name: unique("idle"), endpoint: receiver.url("/woken"), timeout: { seconds: 5n }, targetType: { case: "restAsync", value: {} } });
    await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [target.id] });
    const userId = await newHuman(t.clients, t.adminToken, t.orgId);
    const written = Date.now();
    await waitFor(() => receiver.at("/woken").length >= 1, 10_000, "the first delivery");
    expect(receiver.at("/woken")[0].at - written).toBeLessThan(1_000);
    expect(JSON.parse(receiver.at("/woken")[0].body)).toMatchObject({ aggregateID: userId, event_type: "user.human.added" });

    await actions.deleteTarget({ id: target.id });
    await sleep(500);
    const before = await loopQueries(t.url);
    expectOk(await t.clients.call("grpc", UserService, "lockUser", { userId }, t.adminToken));
    await sleep(1_500);
    expect(await loopQueries(t.url)).toBe(before);
  });
});

// Another process's target is heard of by the slow fallback only: one query per look while idle.
describeOnDatabases("the idle fallback look, on %s", { kinds: databaseKinds.filter((k) => k === "postgres"), config: { delivery: { idlePollIntervalMs: 300 } } }, (t) => {
  it("asks one query per look while no target is active", async () => {
    await waitFor(async () => (await loopQueries(t.url)) > 0, 10_000, "the first look");
    const before = await loopQueries(t.url);
    await sleep(1_600);
    const looks = (await loopQueries(t.url)) - before;
    // 1.6 s at one look per 300 ms: about five, each a single statement (a busy machine may do fewer).
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(looks).toBeLessThanOrEqual(6);
  });
});

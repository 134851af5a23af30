import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LifecyclePolicyService, PlannedStep } from "../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk, rest } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { manualClock } from "../harness/on-databases.js";
import { authenticates, login, newHumanWithPassword } from "../login/helpers.js";
import { scim } from "../scim/helpers.js";
import { DAY, deactivatedIds, eventsOf, makeInstanceOwner, MINUTE, preview, setOrgPolicy, userState } from "./helpers.js";

// Inactivity policies with a clock the test moves; the scheduler's pass is called directly.
describe.each(databaseKinds)("inactivity policies on %s", (kind) => {
  const clock = manualClock(new Date("2031-03-01T09:00:00Z"));
  let server: TestServer;
  let clients: Clients;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer(kind, { now: clock.now }, { lifecycle: { intervalMs: 0 } });
    clients = new Clients(server.url);
    admin = server.adminToken;
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  it("deactivates the idle, keeps users active by every way in a minute before the cut-off and the exempt, as the preview said", async () => {
    const org = await newOrg(clients, admin);
    // Signed in with a password a day before the others are created: its session token is used later.
    const sessionUser = await newHumanWithPassword(clients, admin, org);
    const session = expectOk(await login(clients, admin, { userId: sessionUser.userId }));
    clock.advance(DAY);
    const created = clock.now();
    const idle = await newHuman(clients, admin, org);
    const idleBot = await newMachine(clients, admin, org);
    const passwordUser = await newHumanWithPassword(clients, admin, org);
    const patBot = await newMachine(clients, admin, org);
    const scimBot = await newMachine(clients, admin, org);
    const exempt = await newHuman(clients, admin, org);
    const owner = await newHuman(clients, admin, org);
    expectOk(await clients.call("grpc", LifecyclePolicyService, "setLifecycleExemption", { userId: exempt, exempt: true }, admin));
    // Repeating it is an error, as every repeated operation is.
    expect(await clients.call("grpc", LifecyclePolicyService, "setLifecycleExemption", { userId: exempt, exempt: true }, admin)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "LIFECYCLE-exemption-unchanged" });
    await makeInstanceOwner(server.app.database.db, clock.now, owner);
    const { policyId } = await setOrgPolicy(clients, admin, org, 30, { includeMachineUsers: true });

    // A minute before the cut-off, each way in: a password sign-in, a PAT on gRPC (three times: one event),
    // a PAT on SCIM, a session token.
    clock.advance(30 * DAY - MINUTE);
    expectOk(await login(clients, admin, { userId: passwordUser.userId }));
    for (let i = 0; i < 3; i++) expectOk(await clients.call("grpc", UserService, "getUserByID", { userId: patBot.userId }, patBot.token));
    expect((await scim(server.url, scimBot.token, "GET", `/scim/v2/${org}/Users`)).status).toBeLessThan(500);
    expect(await authenticates(clients, session.sessionToken)).toBe(true);

    clock.advance(2 * MINUTE);
    expect(clock.now().getTime()).toBeGreaterThan(created.getTime() + 30 * DAY);
    const planned = await preview(clients, admin, org);
    const everyone = [sessionUser.userId, idle, idleBot.userId, passwordUser.userId, patBot.userId, scimBot.userId, exempt, owner];
    const predicted = planned.actions.map((a) => a.userId).sort();
    expect(predicted).toEqual([idle, idleBot.userId].sort());
    expect(planned.actions.every((a) => a.step === PlannedStep.DEACTIVATE && a.reason.case === "inactivity" && a.reason.value.policyId === policyId)).toBe(true);

    const result = await server.app.lifecycle.tick();
    expect(result.done.inactivity).toBe(2);
    expect(await deactivatedIds(server.app.database.db, everyone)).toEqual(predicted);
    const events = await eventsOf(server.app.database.db, everyone);
    for (const e of events.filter((e) => e.type === "user.deactivated")) {
      expect(e).toMatchObject({ payload: { policyId }, creator: "system:lifecycle-policy" });
    }
    expect(events.filter((e) => e.aggregate_id === patBot.userId && e.type === "user.activity.recorded")).toHaveLength(1);
    expect(await authenticates(clients, idleBot.token)).toBe(false);
    expect((await server.app.lifecycle.tick()).done.inactivity).toBe(0);
    expect((await preview(clients, admin, org)).actions).toEqual([]);
  });

  it("dry run records who is due, once, changes nothing, and exempts machine users unless opted in", async () => {
    const org = await newOrg(clients, admin);
    const human = await newHuman(clients, admin, org);
    const bot = await newMachine(clients, admin, org);
    const { policyId } = await setOrgPolicy(clients, admin, org, 7, { dryRun: true });
    clock.advance(7 * DAY + MINUTE);
    const planned = await preview(clients, admin, org);
    expect(planned.actions.map((a) => [a.userId, a.dryRun])).toEqual([[human, true]]);

    await server.app.lifecycle.tick();
    await server.app.lifecycle.tick();
    expect(await deactivatedIds(server.app.database.db, [human, bot.userId])).toEqual([]);
    expect(await userState(clients, admin, human)).toBe("1");
    const recorded = await rest(server.url, "POST", "/v1/events/_search", {
      token: admin,
      body: { filter: { resourceOwner: org, eventTypes: ["lifecycle_policy.inactivity.dry_run.recorded"] } },
    });
    expect(recorded.status).toBe(200);
    expect(recorded.body.events.map((e: { payload: { userIds: string[]; policyId: string } }) => e.payload)).toEqual([expect.objectContaining({ policyId, userIds: [human] })]);

    // Switched to enforcing, the same policy then does what the dry run recorded.
    await setOrgPolicy(clients, admin, org, 7);
    await server.app.lifecycle.tick();
    expect(await deactivatedIds(server.app.database.db, [human, bot.userId])).toEqual([human]);
  });

  it("applies the instance default where an organization has no policy of its own", async () => {
    const plain = await newOrg(clients, admin);
    const own = await newOrg(clients, admin);
    const [underDefault, underOwn] = [await newHuman(clients, admin, plain), await newHuman(clients, admin, own)];
    await setOrgPolicy(clients, admin, own, 60);
    const { policyId } = expectOk(await clients.call("grpc", LifecyclePolicyService, "setDefaultInactivityPolicy", { inactiveDays: 10 }, admin));
    expect(expectOk(await clients.call("grpc", LifecyclePolicyService, "getInactivityPolicy", { organizationId: plain }, admin))).toMatchObject({ inherited: true, policy: { policyId, inactiveDays: 10 } });
    clock.advance(10 * DAY + MINUTE);
    // Only this test's organizations are judged: earlier tests' users may be caught by the default too.
    await server.app.lifecycle.tick();
    const events = await eventsOf(server.app.database.db, [underDefault, underOwn]);
    expect(events.filter((e) => e.type === "user.deactivated")).toEqual([expect.objectContaining({ aggregate_id: underDefault, payload: { policyId } })]);
    expectOk(await clients.call("grpc", LifecyclePolicyService, "removeDefaultInactivityPolicy", {}, admin));
  });

  it("refuses policies and previews across organizations, and bad input", async () => {
    const mine = await newOrg(clients, admin);
    const theirs = await newOrg(clients, admin);
    const owner = await newMachine(clients, admin, mine, ["ORG_OWNER"]);
    const manager = await newMachine(clients, admin, mine, ["ORG_USER_MANAGER"]);
    for (const method of ["setInactivityPolicy", "getInactivityPolicy", "removeInactivityPolicy", "previewDeactivations"] as const) {
      const res = await clients.call("grpc", LifecyclePolicyService, method, { organizationId: theirs, inactiveDays: 1 } as never, owner.token);
      expect(res, method).toMatchObject({ ok: false, code: Code.NotFound, reason: "ORG-not-found" });
    }
    const rest403 = await rest(server.url, "POST", `/lifecycle/v1/organizations/${mine}/inactivity_policy`, { token: manager.token, body: { inactiveDays: 30 } });
    expect(rest403.status).toBe(403);
    expect(await clients.call("grpc", LifecyclePolicyService, "setDefaultInactivityPolicy", { inactiveDays: 30 }, owner.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await clients.call("grpc", LifecyclePolicyService, "setInactivityPolicy", { organizationId: mine, inactiveDays: 0 }, owner.token)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "LIFECYCLE-inactive-days-invalid" });
    expect(expectOk(await clients.call("grpc", LifecyclePolicyService, "getInactivityPolicy", { organizationId: theirs }, admin)).policy).toBeUndefined();
    expectOk(await clients.call("grpc", LifecyclePolicyService, "setInactivityPolicy", { organizationId: mine, inactiveDays: 30 }, owner.token));
    expect(expectOk(await clients.call("grpc", LifecyclePolicyService, "previewDeactivations", { organizationId: mine }, manager.token)).actions).toEqual([]);
  });
});

import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LifecyclePolicyService } from "../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk, rest } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { manualClock } from "../harness/on-databases.js";
import { authenticates, login, newHumanWithPassword } from "../login/helpers.js";
import { DAY, eventsOf, MINUTE, userState } from "./helpers.js";

// Scheduled deactivations, driven by a clock the test moves: the scheduler's pass is called directly
// (its own timer is off), so nothing here sleeps.
describe.each(databaseKinds)("scheduled deactivation on %s", (kind) => {
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

  const schedule = (userId: string, at: Date, deleteAfterDays?: number) =>
    clients.call("connect-json", LifecyclePolicyService, "scheduleDeactivation", { userId, deactivateAt: timestampFromDate(at), deleteAfterDays }, admin);
  const pending = async (userId: string) => expectOk(await clients.call("grpc", LifecyclePolicyService, "getScheduledDeactivation", { userId }, admin)).schedule;

  it("fires once at its due time as the system principal, with the schedule as reason, and ends the user's sessions at once", async () => {
    const org = await newOrg(clients, admin);
    const { userId } = await newHumanWithPassword(clients, admin, org);
    const session = expectOk(await login(clients, admin, { userId }));
    const due = new Date(clock.now().getTime() + 2 * 60 * MINUTE);
    // Over REST, as an operator's script would.
    const res = await rest(server.url, "POST", `/lifecycle/v1/users/${userId}/scheduled_deactivation`, { token: admin, body: { deactivateAt: due.toISOString() } });
    expect(res.status).toBe(200);
    const scheduleId = res.body.scheduleId as string;
    expect((await pending(userId))?.scheduleId).toBe(scheduleId);

    clock.advance(2 * 60 * MINUTE - MINUTE);
    await server.app.lifecycle.tick();
    expect(await userState(clients, admin, userId)).toBe("1"); // ACTIVE: a minute early, nothing happens

    clock.advance(MINUTE);
    await server.app.lifecycle.tick();
    await server.app.lifecycle.tick();
    const deactivations = (await eventsOf(server.app.database.db, [userId])).filter((e) => e.type === "user.deactivated");
    expect(deactivations).toEqual([expect.objectContaining({ payload: { scheduleId }, creator: "system:lifecycle-schedule" })]);
    expect(await userState(clients, admin, userId)).toBe("2"); // INACTIVE
    expect(await authenticates(clients, session.sessionToken)).toBe(false);
    expect(await pending(userId)).toBeUndefined();
  });

  it("deletes the user N days after the deactivation, and shows the pending deletion meanwhile", async () => {
    const org = await newOrg(clients, admin);
    const userId = await newHuman(clients, admin, org);
    const at = new Date(clock.now().getTime() + MINUTE);
    const { scheduleId } = expectOk(await schedule(userId, at, 3));
    clock.advance(MINUTE);
    await server.app.lifecycle.tick();
    expect(await pending(userId)).toMatchObject({ scheduleId, deactivated: true, deleteAt: timestampFromDate(new Date(at.getTime() + 3 * DAY)) });
    clock.advance(3 * DAY - MINUTE);
    await server.app.lifecycle.tick();
    expect(await userState(clients, admin, userId)).toBe("2");
    clock.advance(MINUTE);
    await server.app.lifecycle.tick();
    expect(await userState(clients, admin, userId)).toBeUndefined();
    const types = (await eventsOf(server.app.database.db, [userId])).map((e) => [e.type, e.payload.scheduleId, e.creator]);
    expect(types.slice(-2)).toEqual([
      ["user.deactivated", scheduleId, "system:lifecycle-schedule"],
      ["user.removed", scheduleId, "system:lifecycle-schedule"],
    ]);
  });

  it("is cancelled by reactivation, by a cancel, and replaced by a new schedule", async () => {
    const org = await newOrg(clients, admin);
    const [reactivated, cancelled, changed] = [await newHuman(clients, admin, org), await newHuman(clients, admin, org), await newHuman(clients, admin, org)];
    const at = new Date(clock.now().getTime() + MINUTE);
    expectOk(await schedule(reactivated, at, 1));
    expectOk(await schedule(cancelled, at));
    expectOk(await schedule(changed, at));
    const later = expectOk(await schedule(changed, new Date(at.getTime() + DAY)));
    expectOk(await clients.call("grpc", LifecyclePolicyService, "cancelScheduledDeactivation", { userId: cancelled }, admin));
    expect(await clients.call("grpc", LifecyclePolicyService, "cancelScheduledDeactivation", { userId: cancelled }, admin)).toMatchObject({ ok: false, code: Code.NotFound });

    clock.advance(MINUTE);
    await server.app.lifecycle.tick();
    expect(await userState(clients, admin, reactivated)).toBe("2");
    expectOk(await clients.call("connect-json", UserService, "reactivateUser", { userId: reactivated }, admin));
    expect(await pending(reactivated)).toBeUndefined();
    expect((await pending(changed))?.scheduleId).toBe(later.scheduleId);

    clock.advance(DAY);
    await server.app.lifecycle.tick();
    expect(await userState(clients, admin, reactivated)).toBe("1"); // the deletion step was cancelled with it
    expect(await userState(clients, admin, cancelled)).toBe("1");
    expect(await userState(clients, admin, changed)).toBe("2"); // by the new schedule, once
    const changedEvents = await eventsOf(server.app.database.db, [changed]);
    expect(changedEvents.filter((e) => e.type === "user.deactivated").map((e) => e.payload.scheduleId)).toEqual([later.scheduleId]);
  });

  it("refuses bad input and users it cannot deactivate, changing nothing", async () => {
    const org = await newOrg(clients, admin);
    const initial = await newHuman(clients, admin, org, false);
    const active = await newHuman(clients, admin, org);
    expect(await clients.call("grpc", LifecyclePolicyService, "scheduleDeactivation", { userId: active }, admin)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "LIFECYCLE-deactivate-at-missing" });
    expect(await schedule(active, new Date(clock.now().getTime() + DAY), 5000)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "LIFECYCLE-delete-after-days-invalid" });
    expect(await schedule(initial, new Date(clock.now().getTime() + DAY))).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-initial" });
    expect(await schedule("no-such-user", new Date(clock.now().getTime() + DAY))).toMatchObject({ ok: false, code: Code.NotFound });
    const res = await rest(server.url, "POST", `/lifecycle/v1/users/${active}/scheduled_deactivation`, { token: admin, body: { deactivateAt: "not a time" } });
    expect(res.status).toBe(400);
    expect(await pending(active)).toBeUndefined();
  });

  it("passes over a work row whose schedule is no longer the user's, without failing or acting", async () => {
    const org = await newOrg(clients, admin);
    const userId = await newHuman(clients, admin, org);
    await sql`insert into user_schedules_v1 (user_id, step, schedule_id, resource_owner, due_at)
      values (${userId}, 'deactivate', 'gone', ${org}, ${clock.now()})`.execute(server.app.database.db);
    const pass = await server.app.lifecycle.tick();
    expect(pass.failed).toBe(0);
    expect(pass.done.schedule_deactivate).toBe(0);
    expect(await userState(clients, admin, userId)).toBe("1");
    await sql`delete from user_schedules_v1 where schedule_id = 'gone'`.execute(server.app.database.db);
  });

  it("refuses schedules across organizations as if the user did not exist", async () => {
    const mine = await newOrg(clients, admin);
    const theirs = await newOrg(clients, admin);
    const owner = await newMachine(clients, admin, mine, ["ORG_OWNER"]);
    const stranger = await newHuman(clients, admin, theirs);
    const at = timestampFromDate(new Date(clock.now().getTime() + DAY));
    for (const method of ["scheduleDeactivation", "cancelScheduledDeactivation", "getScheduledDeactivation", "setLifecycleExemption"] as const) {
      const res = await clients.call("grpc", LifecyclePolicyService, method, { userId: stranger, deactivateAt: at } as never, owner.token);
      expect(res, method).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
    }
    expect(await pending(stranger)).toBeUndefined();
    // In its own organization the same caller may.
    const own = await newHuman(clients, admin, mine);
    expectOk(await clients.call("grpc", LifecyclePolicyService, "scheduleDeactivation", { userId: own, deactivateAt: at }, owner.token));
  });
});

import { Code } from "@connectrpc/connect";
import { expect, it } from "vitest";
import { LockoutPolicyService } from "../../gen/lifecycle/settings/v1/lockout_policy_service_pb.js";
import { SettingsService } from "../../gen/zitadel/settings/v2/settings_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { expectOk, rest, rpcProtocols } from "../harness/clients.js";
import { newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { countOf, login, messageOf, newHumanWithPassword, PASSWORD, userEvents, WRONG } from "./helpers.js";

const FIFTEEN_MINUTES = 15 * 60_000;

// The background sweep is pushed out of reach: here only login attempts may lift an expired lock.
describeOnDatabases("lockout policy on %s", { manualClock: true, config: { lockout: { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: FIFTEEN_MINUTES }, lockoutSweepIntervalMs: 3_600_000 } }, (t) => {
  const { server, clients, clock } = t;

  const state = async (userId: string) => expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken)).user?.state;

  it("serves the configured policy until an admin sets one", async () => {
    const res = expectOk(await clients.call("grpc", SettingsService, "getLockoutSettings", {}, server.adminToken));
    expect(res.settings).toMatchObject({ maxPasswordAttempts: 3n, maxOtpAttempts: 0n });
    expect(res.details?.sequence).toBe(0n);
    const viaRest = await rest(server.url, "GET", "/v2/settings/lockout", { token: server.adminToken });
    expect(viaRest.status).toBe(200);
    // The platform's message only: the automatic-unlock duration is this server's own (LockoutPolicyService).
    expect(viaRest.body.settings).toEqual({ maxPasswordAttempts: "3", resourceOwnerType: "RESOURCE_OWNER_TYPE_INSTANCE" });
    const policy = expectOk(await clients.call("grpc", LockoutPolicyService, "getLockoutPolicy", {}, server.adminToken));
    expect(policy.policy).toMatchObject({ maxPasswordAttempts: 3n, lockoutDuration: { seconds: 900n } });
  });

  it("puts the failed-attempt facts in a REST error detail too", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const res = await rest(server.url, "POST", "/v2/sessions", { token: server.adminToken, body: { checks: { user: { userId }, password: { password: WRONG } } } });
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual({
      "@type": "type.googleapis.com/zitadel.v1.ErrorFacts",
      facts: { failed_attempts: "1", attempts_left: "2", max_password_attempts: "3", locked: "false" },
    });
  });

  it("counts wrong passwords in the error, locks at the limit in the same transaction, then refuses even the right password", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const first = await login(clients, server.adminToken, { userId }, WRONG, "grpc");
    expect(first).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-password-invalid" });
    expect(messageOf(first)).toBe("Password is invalid after 1 failed attempt with 2 attempts left (USER-password-invalid)");
    expect(first).toMatchObject({ facts: { failed_attempts: "1", attempts_left: "2", max_password_attempts: "3", locked: "false" } });
    expect(messageOf(await login(clients, server.adminToken, { userId }, WRONG, "grpc-web"))).toContain("after 2 failed attempts with 1 attempt left");
    const third = await login(clients, server.adminToken, { userId }, WRONG, "connect-proto");
    expect(third).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-password-invalid" });
    expect(messageOf(third)).toContain("after 3 failed attempts with 0 attempts left and the user is now locked");
    expect(third).toMatchObject({ facts: { failed_attempts: "3", attempts_left: "0", locked: "true" } });
    expect(await state(userId)).toBe(UserState.LOCKED);

    expect(await login(clients, server.adminToken, { userId }, PASSWORD)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-locked" });
    expect(await login(clients, server.adminToken, { userId }, WRONG)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-locked" });
    const events = await userEvents(server.app.database.db, userId);
    expect(events.map((e) => e.type)).toEqual([
      "user.human.added",
      "user.password.check.failed",
      "user.password.check.failed",
      "user.password.check.failed",
      "user.locked",
    ]);
    expect(events[4].payload).toEqual({ reason: "password_attempts" });
  });

  it("lets 50 parallel wrong passwords past the limit not once: exactly 3 failed checks and one lock", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(clients, server.adminToken, { userId }, WRONG, rpcProtocols[i % rpcProtocols.length])),
    );
    const wrong = results.filter((r) => !r.ok && r.reason === "USER-password-invalid");
    const locked = results.filter((r) => !r.ok && r.reason === "USER-locked");
    expect(wrong).toHaveLength(3);
    expect(locked).toHaveLength(47);
    expect(locked.every((r) => !r.ok && r.code === Code.FailedPrecondition)).toBe(true);
    expect(wrong.map(messageOf).sort()).toEqual([
      "Password is invalid after 1 failed attempt with 2 attempts left (USER-password-invalid)",
      "Password is invalid after 2 failed attempts with 1 attempt left (USER-password-invalid)",
      "Password is invalid after 3 failed attempts with 0 attempts left and the user is now locked (USER-password-invalid)",
    ]);

    const events = await userEvents(server.app.database.db, userId);
    expect(countOf(events, "user.password.check.failed")).toBe(3);
    expect(countOf(events, "user.locked")).toBe(1);
    expect(events).toHaveLength(5);

    // Every later attempt is refused as locked, the right password too, and nothing more is recorded.
    const later = await Promise.all([
      login(clients, server.adminToken, { userId }, WRONG, "grpc"),
      login(clients, server.adminToken, { userId }, PASSWORD, "connect-json"),
      login(clients, server.adminToken, { userId }, PASSWORD, "grpc-web"),
    ]);
    for (const r of later) expect(r).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-locked" });
    expect(await userEvents(server.app.database.db, userId)).toHaveLength(5);
    expect(await state(userId)).toBe(UserState.LOCKED);
  });

  it("resets the count on a successful login and on UnlockUser", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    await login(clients, server.adminToken, { userId }, WRONG);
    await login(clients, server.adminToken, { userId }, WRONG);
    expectOk(await login(clients, server.adminToken, { userId }));
    expect(messageOf(await login(clients, server.adminToken, { userId }, WRONG))).toContain("after 1 failed attempt with 2 attempts left");
    await login(clients, server.adminToken, { userId }, WRONG);
    await login(clients, server.adminToken, { userId }, WRONG);
    expect(await state(userId)).toBe(UserState.LOCKED);

    expectOk(await clients.call("grpc", UserService, "unlockUser", { userId }, server.adminToken));
    expect(messageOf(await login(clients, server.adminToken, { userId }, WRONG))).toContain("after 1 failed attempt with 2 attempts left");
    expectOk(await login(clients, server.adminToken, { userId }));
    const types = (await userEvents(server.app.database.db, userId)).map((e) => e.type);
    expect(types.slice(-5)).toEqual(["user.password.check.failed", "user.locked", "user.unlocked", "user.password.check.failed", "user.password.check.succeeded"]);
    expect(types.filter((t) => t === "user.password.check.succeeded")).toHaveLength(2);
  });

  it("lifts a policy lock on the first attempt after the lockout duration, recorded as user.unlocked lockout_expired", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    for (let i = 0; i < 3; i++) await login(clients, server.adminToken, { userId }, WRONG);
    expect(await state(userId)).toBe(UserState.LOCKED);

    clock.advance(FIFTEEN_MINUTES - 1_000);
    expect(await login(clients, server.adminToken, { userId })).toMatchObject({ ok: false, reason: "USER-locked" });
    clock.advance(1_000);
    // The lift and the new attempt are judged together: a wrong password now counts from zero again.
    expect(messageOf(await login(clients, server.adminToken, { userId }, WRONG))).toContain("after 1 failed attempt with 2 attempts left");
    expect(await state(userId)).toBe(UserState.ACTIVE);
    expectOk(await login(clients, server.adminToken, { userId }));

    const events = await userEvents(server.app.database.db, userId);
    const unlocked = events.filter((e) => e.type === "user.unlocked");
    expect(unlocked).toHaveLength(1);
    expect(unlocked[0].payload).toEqual({ reason: "lockout_expired" });
  });

  it("never lifts a manual lock by time", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId }, server.adminToken));
    clock.advance(10 * FIFTEEN_MINUTES);
    expect(await login(clients, server.adminToken, { userId })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-locked" });
    expect(await state(userId)).toBe(UserState.LOCKED);
    expectOk(await clients.call("grpc", UserService, "unlockUser", { userId }, server.adminToken));
    expectOk(await login(clients, server.adminToken, { userId }));
  });

  it("lets an IAM owner replace the policy (iam.write); 0 means wrong passwords never lock", async () => {
    const owner = await newMachine(clients, server.adminToken, t.orgId, ["ORG_OWNER"]);
    const set = (body: object, token = server.adminToken) => clients.call("connect-json", LockoutPolicyService, "setLockoutPolicy", body, token);
    expect(await set({ maxPasswordAttempts: 5n }, owner.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await set({ maxPasswordAttempts: 5n }, "")).toMatchObject({ ok: false, code: Code.Unauthenticated });

    const first = expectOk(await set({ maxPasswordAttempts: 0n }));
    expect(first.details?.sequence).toBe(1n);
    expect(await set({ maxPasswordAttempts: 0n })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "SETTINGS-lockout-unchanged" });
    const read = expectOk(await clients.call("grpc-web", LockoutPolicyService, "getLockoutPolicy", {}, server.adminToken));
    expect(read.policy?.maxPasswordAttempts).toBe(0n);
    expect(read.policy?.lockoutDuration).toBeUndefined();
    expect(read.details?.sequence).toBe(1n);

    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    for (let i = 0; i < 6; i++) await login(clients, server.adminToken, { userId }, WRONG);
    expect(messageOf(await login(clients, server.adminToken, { userId }, WRONG))).toContain("after 7 failed attempts (no lockout policy)");
    expect(await state(userId)).toBe(UserState.ACTIVE);

    // Over REST (PUT), with a duration; a lower limit applies from the next failure.
    const put = await rest(server.url, "PUT", "/v1/settings/lockout", { token: server.adminToken, body: { maxPasswordAttempts: "2", lockoutDuration: "60s" } });
    expect(put.status).toBe(200);
    expect(put.body.details.sequence).toBe("2");
    expect(messageOf(await login(clients, server.adminToken, { userId }, WRONG))).toContain("the user is now locked");
    expect(await state(userId)).toBe(UserState.LOCKED);
    const got = await rest(server.url, "GET", "/v1/settings/lockout", { token: server.adminToken });
    expect(got.body.policy).toMatchObject({ maxPasswordAttempts: "2", lockoutDuration: "60s" });
    expect(await set({ lockoutDuration: { seconds: -1n } })).toMatchObject({ ok: false, code: Code.InvalidArgument });
  });
});

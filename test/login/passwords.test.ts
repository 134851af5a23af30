import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { SettingsService } from "../../gen/zitadel/settings/v2/settings_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { hashPassword } from "../../src/credentials/passwords.js";
import { hashToken } from "../../src/credentials/tokens.js";
import { addPasswordCode } from "../../src/domain/user/password.js";
import { userAggregate } from "../../src/domain/user/state.js";
import { EventStore } from "../../src/eventstore/event-store.js";
import { projections } from "../../src/projections/registry.js";
import { expectOk, rest, rpcProtocols } from "../harness/clients.js";
import { newHuman, newMachine, newOrg, unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { authenticates, login, messageOf, newHumanWithPassword, PASSWORD, recordingLogger, userEvents, WRONG } from "./helpers.js";

const WEAK: [string, string][] = [
  ["Sh0rt!", "PASSWORD-too-short"],
  [`Aa1!${"x".repeat(197)}`, "PASSWORD-too-long"],
  ["no-upper-case-1", "PASSWORD-no-uppercase"],
  ["NO-LOWER-CASE-1", "PASSWORD-no-lowercase"],
  ["No-Digits-Here", "PASSWORD-no-digit"],
  ["NoSymbols123", "PASSWORD-no-symbol"],
];

const log = recordingLogger();

describeOnDatabases("passwords on %s", { manualClock: true, overrides: { log }, config: { lockout: { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: null } } }, (t) => {
  const { server, clients, clock } = t;

  const addHuman = (password: string, protocol: (typeof rpcProtocols)[number] = "connect-json") =>
    clients.call(
      protocol,
      UserService,
      "addHumanUser",
      {
        organization: { org: { case: "orgId", value: t.orgId } },
        username: unique("pw"),
        profile: { givenName: "Grace", familyName: "Hopper" },
        email: { email: "grace@example.com" },
        passwordType: { case: "password", value: { password } },
      },
      server.adminToken,
    );
  const setPassword = (userId: string, password: string, verification?: { case: "currentPassword" | "verificationCode"; value: string }, token = server.adminToken) =>
    clients.call("grpc", UserService, "setPassword", { userId, newPassword: { password }, verification: verification ?? { case: undefined } }, token);
  /** Stands in for the RPC that would issue a password code (none exists yet): the code's event, through the event store. */
  const issueCode = async (userId: string, code: string, validForMs: number) => {
    const store = new EventStore(server.app.database.db, projections, clock.now);
    await store.run({ creator: "test" }, async (session) => {
      const user = await session.load(userAggregate, userId);
      session.append(user, addPasswordCode(user.state, hashToken(code), new Date(clock.now().getTime() + validForMs), clock.now()));
    });
  };

  it.each(rpcProtocols)("refuses a password breaking a complexity rule with InvalidArgument naming it, over %s", async (protocol) => {
    for (const [password, reason] of WEAK) {
      const res = await addHuman(password, protocol);
      expect(res, reason).toMatchObject({ ok: false, code: Code.InvalidArgument, reason });
      expect(messageOf(res)).not.toContain(password);
    }
    expectOk(await addHuman("Ünïcödé-Pässwörd-7", protocol));
  });

  it("names the rule over REST and on SetPassword; serves the policy from SettingsService", async () => {
    const res = await rest(server.url, "POST", "/v2/users/human", {
      token: server.adminToken,
      body: { organization: { orgId: t.orgId }, username: unique("pw"), profile: { givenName: "A", familyName: "B" }, email: { email: "a@example.com" }, password: { password: "weakpass" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0]).toMatchObject({ id: "PASSWORD-no-uppercase" });

    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    expect(await setPassword(userId, "Sh0rt!", { case: "currentPassword", value: PASSWORD })).toMatchObject({ ok: false, reason: "PASSWORD-too-short" });

    const policy = await rest(server.url, "GET", "/v2/settings/password/complexity", { token: server.adminToken });
    expect(policy.body.settings).toEqual({
      minLength: "8",
      requiresUppercase: true,
      requiresLowercase: true,
      requiresNumber: true,
      requiresSymbol: true,
      resourceOwnerType: "RESOURCE_OWNER_TYPE_INSTANCE",
    });
    expectOk(await clients.call("grpc", SettingsService, "getPasswordComplexitySettings", {}, server.adminToken));
  });

  it("never writes a password to an event, a read model or a log line", async () => {
    const secret = `Plain-${unique("S3cret!")}`;
    const wrong = `Wrong-${unique("S3cret!")}`;
    const changed = `Next-${unique("S3cret!")}`;
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId, secret);
    await login(clients, server.adminToken, { userId }, wrong);
    expectOk(await login(clients, server.adminToken, { userId }, secret));
    expect(await setPassword(userId, changed, { case: "currentPassword", value: wrong })).toMatchObject({ ok: false, reason: "USER-password-invalid" });
    expectOk(await setPassword(userId, changed, { case: "currentPassword", value: secret }));

    const db = server.app.database.db;
    const { rows: events } = await sql<{ text: string }>`select payload::text as text from events`.execute(db);
    const { rows: users } = await sql<{ text: string }>`select u::text as text from users_v1 u where id = ${userId}`.execute(db);
    const { rows: sessions } = await sql<{ text: string }>`select s::text as text from sessions_v1 s where user_id = ${userId}`.execute(db);
    expect(users).toHaveLength(1);
    expect(sessions).toHaveLength(1);
    const everything = [...events, ...users, ...sessions].map((r) => r.text).concat(log.lines).join("\n");
    for (const plaintext of [secret, wrong, changed]) expect(everything).not.toContain(plaintext);
    // What is stored is a salted scrypt hash.
    const added = (await userEvents(db, userId)).find((e) => e.type === "user.human.added")!;
    expect(added.payload.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(log.lines.some((line) => line.includes("USER-password-invalid"))).toBe(true);
  });

  it("sets a password proven by the current one; a wrong current password counts toward the lockout", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const next = "Brand-New-Pass-2";
    const wrong = await setPassword(userId, next, { case: "currentPassword", value: WRONG });
    expect(wrong).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-password-invalid" });
    expect(messageOf(wrong)).toContain("after 1 failed attempt with 2 attempts left");

    const done = expectOk(await setPassword(userId, next, { case: "currentPassword", value: PASSWORD }));
    expect(done.details?.resourceOwner).toBe(t.orgId);
    const seen = expectOk(await clients.call("connect-json", UserService, "getUserByID", { userId }, server.adminToken));
    expect(seen.user?.type.case === "human" && seen.user.type.value.passwordChanged).toEqual(done.details?.changeDate);
    expect(messageOf(await login(clients, server.adminToken, { userId }, PASSWORD))).toContain("after 1 failed attempt");
    expectOk(await login(clients, server.adminToken, { userId }, next));
    const types = (await userEvents(server.app.database.db, userId)).map((e) => e.type);
    expect(types).toEqual([
      "user.human.added",
      "user.password.check.failed",
      "user.password.check.succeeded",
      "user.password.changed",
      "user.password.check.failed",
      "user.password.check.succeeded",
      // the sign-in with a password counts as activity (once a day), in the same append
      "user.activity.recorded",
    ]);

    // Two more wrong current passwords reach the limit: locked, and a locked user's password can't be probed.
    await setPassword(userId, "Another-Pass-3", { case: "currentPassword", value: WRONG });
    await setPassword(userId, "Another-Pass-3", { case: "currentPassword", value: WRONG });
    expect(messageOf(await setPassword(userId, "Another-Pass-3", { case: "currentPassword", value: WRONG }))).toContain("the user is now locked");
    expect(await setPassword(userId, "Another-Pass-3", { case: "currentPassword", value: next })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-locked" });
  });

  it("sets a password proven by a verification code, once, until it expires", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    await issueCode(userId, "code-one-123", 60_000);
    expect(await setPassword(userId, "Coded-Pass-1", { case: "verificationCode", value: "not-the-code" })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-code-invalid" });
    expectOk(await setPassword(userId, "Coded-Pass-1", { case: "verificationCode", value: "code-one-123" }));
    expectOk(await login(clients, server.adminToken, { userId }, "Coded-Pass-1"));
    // Used up by the change.
    expect(await setPassword(userId, "Coded-Pass-2", { case: "verificationCode", value: "code-one-123" })).toMatchObject({ ok: false, reason: "USER-code-invalid" });

    await issueCode(userId, "code-two-456", 60_000);
    clock.advance(60_000);
    expect(await setPassword(userId, "Coded-Pass-2", { case: "verificationCode", value: "code-two-456" })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-code-expired" });
    const stored = JSON.stringify(await userEvents(server.app.database.db, userId));
    expect(stored).not.toContain("code-two-456");
    expect(stored).toContain(hashToken("code-two-456"));
  });

  it("lets an INITIAL user without a password get one by code and log in", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId, false);
    expect(await login(clients, server.adminToken, { userId }, null)).toMatchObject({ ok: false, reason: "USER-initial" });
    await issueCode(userId, "init-code-789", 60_000);
    expectOk(await setPassword(userId, "Initial-Pass-1", { case: "verificationCode", value: "init-code-789" }));
    const session = expectOk(await login(clients, server.adminToken, { userId }, "Initial-Pass-1"));
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(true);
    const user = expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken)).user;
    expect(user?.state).toBe(UserState.INITIAL);
  });

  it("sets a password without proof for a user.write holder (over REST), and refuses the rest", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const res = await rest(server.url, "POST", `/v2/users/${userId}/password`, { token: server.adminToken, body: { newPassword: { password: "Admin-Set-Pass-1", changeRequired: true } } });
    expect(res.status).toBe(200);
    expect(res.body.details.resourceOwner).toBe(t.orgId);
    expectOk(await login(clients, server.adminToken, { userId }, "Admin-Set-Pass-1"));

    const outsider = await newMachine(clients, server.adminToken, await newOrg(clients, server.adminToken), ["ORG_OWNER"]);
    // An owner of another organization cannot even tell that the user exists.
    expect(await setPassword(userId, "Outsider-Pass-1", undefined, outsider.token)).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
    const machine = await newMachine(clients, server.adminToken, t.orgId);
    expect(await setPassword(machine.userId, "Machine-Pass-1")).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-machine" });
    expect(await setPassword("987654321", "Nobody-Pass-1")).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
    expectOk(await clients.call("grpc", UserService, "deactivateUser", { userId }, server.adminToken));
    expect(await setPassword(userId, "Inactive-Pass-1")).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-inactive" });
  });

  it("logs in with an imported scrypt hash; a hash of another scheme is refused without counting an attempt", async () => {
    const imported = async (hash: string) =>
      expectOk(
        await clients.call(
          "grpc",
          UserService,
          "addHumanUser",
          {
            organization: { org: { case: "orgId", value: t.orgId } },
            username: unique("imported"),
            profile: { givenName: "I", familyName: "M" },
            email: { email: "imported@example.com" },
            passwordType: { case: "hashedPassword", value: { hash } },
          },
          server.adminToken,
        ),
      ).userId;
    const good = await imported(await hashPassword("Imported-Pass-1"));
    expectOk(await login(clients, server.adminToken, { userId: good }, "Imported-Pass-1"));
    const bcrypt = await imported("$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy");
    expect(await login(clients, server.adminToken, { userId: bcrypt }, "whatever")).toMatchObject({
      ok: false,
      code: Code.FailedPrecondition,
      reason: "USER-password-hash-unsupported",
    });
    expect((await userEvents(server.app.database.db, bcrypt)).map((e) => e.type)).toEqual(["user.human.added"]);
  });
});

import { Code } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { SessionService } from "../../gen/zitadel/session/v2/session_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk, rest, rpcProtocols } from "../harness/clients.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { authenticates, login, messageOf, newHumanWithPassword, PASSWORD, WRONG } from "./helpers.js";

describeOnDatabases("SessionService on %s", { manualClock: true }, (t) => {
  const { server, clients, clock } = t;

  describe.each(rpcProtocols)("over %s", (protocol) => {
    it("creates a session by user id with the right password; its token reads the session back", async () => {
      const { userId, username } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
      const created = expectOk(await login(clients, server.adminToken, { userId }, PASSWORD, protocol));
      expect(created.sessionId).toMatch(/^\d+$/);
      expect(created.sessionToken.length).toBeGreaterThanOrEqual(40);
      expect(created.details?.sequence).toBe(1n);
      expect(created.details?.resourceOwner).toBe(t.orgId);

      const got = expectOk(await clients.call(protocol, SessionService, "getSession", { sessionId: created.sessionId }, created.sessionToken));
      const session = got.session!;
      expect(session.id).toBe(created.sessionId);
      expect(session.sequence).toBe(1n);
      expect(session.factors?.user).toMatchObject({ id: userId, loginName: username, displayName: "Ada Lovelace", organizationId: t.orgId });
      expect(timestampDate(session.factors!.password!.verifiedAt!)).toEqual(clock.now());
      expect(session.expirationDate).toBeUndefined();
    });

    it("answers a wrong password with InvalidArgument and no session", async () => {
      const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
      const res = await login(clients, server.adminToken, { userId }, WRONG, protocol);
      expect(res).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-password-invalid" });
      expect(messageOf(res)).toBe("Password is invalid after 1 failed attempt (no lockout policy) (USER-password-invalid)");
    });
  });

  it("finds the user by login name: the username, or username@org-domain when the username is ambiguous", async () => {
    const { userId, username } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    expectOk(await login(clients, server.adminToken, { loginName: username.toUpperCase() }));

    // The same username in a second organization makes the bare name ambiguous.
    const otherOrg = await newOrg(clients, server.adminToken);
    const twin = expectOk(
      await clients.call(
        "connect-json",
        UserService,
        "addHumanUser",
        {
          organization: { org: { case: "orgId", value: otherOrg } },
          username,
          profile: { givenName: "Twin", familyName: "User" },
          email: { email: "twin@example.com" },
          passwordType: { case: "password", value: { password: "Other-Pass-1" } },
        },
        server.adminToken,
      ),
    );
    expect(await login(clients, server.adminToken, { loginName: username })).toMatchObject({
      ok: false,
      code: Code.InvalidArgument,
      reason: "SESSION-login-name-ambiguous",
    });
    const domains = await server.app.database.db.selectFrom("orgs_v1").select(["id", "primary_domain"]).where("id", "in", [t.orgId, otherOrg]).execute();
    const domainOf = (id: string) => domains.find((d) => d.id === id)!.primary_domain;
    const mine = expectOk(await login(clients, server.adminToken, { loginName: `${username}@${domainOf(t.orgId)}` }));
    const theirs = expectOk(await login(clients, server.adminToken, { loginName: `${username}@${domainOf(otherOrg)}` }, "Other-Pass-1"));
    const userOf = async (sessionId: string) =>
      expectOk(await clients.call("grpc", SessionService, "getSession", { sessionId }, server.adminToken)).session?.factors?.user?.id;
    expect(await userOf(mine.sessionId)).toBe(userId);
    expect(await userOf(theirs.sessionId)).toBe(twin.userId);

    expect(await login(clients, server.adminToken, { loginName: "nobody-at-all" })).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
    expect(await login(clients, server.adminToken, { userId: "123" })).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
    expect(await login(clients, server.adminToken, { loginName: "" })).toMatchObject({ ok: false, code: Code.InvalidArgument });
    expect(await clients.call("grpc", SessionService, "createSession", { checks: {} }, server.adminToken)).toMatchObject({
      ok: false,
      code: Code.InvalidArgument,
      reason: "SESSION-user-check-missing",
    });
  });

  it("serves CreateSession (201), GetSession and DeleteSession over REST", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const created = await rest(server.url, "POST", "/v2/sessions", {
      token: server.adminToken,
      body: { checks: { user: { userId }, password: { password: PASSWORD } }, lifetime: "3600s", metadata: { device: "ZGVtbw==" } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sessionId: expect.any(String), sessionToken: expect.any(String), details: { sequence: "1", resourceOwner: t.orgId } });
    const { sessionId, sessionToken } = created.body;

    const got = await rest(server.url, "GET", `/v2/sessions/${sessionId}?sessionToken=${encodeURIComponent(sessionToken)}`, { token: server.adminToken });
    expect(got.status).toBe(200);
    expect(got.body.session).toMatchObject({ id: sessionId, sequence: "1", metadata: { device: "ZGVtbw==" }, factors: { user: { id: userId } } });
    expect(new Date(got.body.session.expirationDate).getTime()).toBe(clock.now().getTime() + 3600_000);

    const wrong = await rest(server.url, "POST", "/v2/sessions", { token: server.adminToken, body: { checks: { user: { userId }, password: { password: WRONG } } } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe(Code.InvalidArgument);
    expect(wrong.body.message).toBe("Password is invalid after 1 failed attempt (no lockout policy) (USER-password-invalid)");
    expect(wrong.body.details[0].message).toBe("Password is invalid after 1 failed attempt (no lockout policy)");
    expect(wrong.body.details[0]).toMatchObject({ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id: "USER-password-invalid" });

    const deleted = await rest(server.url, "DELETE", `/v2/sessions/${sessionId}`, { token: sessionToken });
    expect(deleted.status).toBe(200);
    expect(deleted.body.details.sequence).toBe("2");
    expect((await rest(server.url, "GET", `/v2/sessions/${sessionId}`, { token: sessionToken })).status).toBe(401);
    expect((await rest(server.url, "GET", `/v2/sessions/${sessionId}`, { token: server.adminToken })).status).toBe(404);
    expect((await rest(server.url, "DELETE", `/v2/sessions/${sessionId}`, { token: server.adminToken })).status).toBe(404);
  });

  it("lets only the token holder, the session's user or session.read holders see a session", async () => {
    const alice = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const bob = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const a1 = expectOk(await login(clients, server.adminToken, { userId: alice.userId }));
    const a2 = expectOk(await login(clients, server.adminToken, { userId: alice.userId }));
    const b = expectOk(await login(clients, server.adminToken, { userId: bob.userId }));
    const manager = await newMachine(clients, server.adminToken, t.orgId, ["ORG_OWNER"]);
    const get = (sessionId: string, token: string, sessionToken?: string) =>
      clients.call("connect-proto", SessionService, "getSession", { sessionId, sessionToken }, token);

    expectOk(await get(a1.sessionId, a2.sessionToken)); // the same user, another session
    expect(await get(a1.sessionId, b.sessionToken)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expectOk(await get(a1.sessionId, b.sessionToken, a1.sessionToken)); // holds a1's token
    expect(await get(a1.sessionId, b.sessionToken, b.sessionToken)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await get(a1.sessionId, manager.token)).toMatchObject({ ok: false, code: Code.PermissionDenied }); // ORG_OWNER lacks session.read
    expect(await get("4242", b.sessionToken)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await get("4242", server.adminToken)).toMatchObject({ ok: false, code: Code.NotFound, reason: "SESSION-not-found" });

    // CreateSession needs session.write at instance level.
    expect(await login(clients, manager.token, { userId: alice.userId })).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await login(clients, a1.sessionToken, { userId: alice.userId })).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await login(clients, "", { userId: alice.userId })).toMatchObject({ ok: false, code: Code.Unauthenticated });

    // Bob may not end Alice's session; Alice may end her other one, and its token dies at once.
    expect(await clients.call("grpc", SessionService, "deleteSession", { sessionId: a1.sessionId }, b.sessionToken)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await authenticates(clients, a1.sessionToken, a1.sessionId)).toBe(true);
    expectOk(await clients.call("grpc", SessionService, "deleteSession", { sessionId: a1.sessionId }, a2.sessionToken));
    expect(await authenticates(clients, a1.sessionToken, a1.sessionId)).toBe(false);
    expect(await authenticates(clients, a2.sessionToken, a2.sessionId)).toBe(true);
    // Once gone, the session exists for nobody: NotFound to session.delete holders, PermissionDenied to the rest.
    expect(await clients.call("grpc", SessionService, "deleteSession", { sessionId: a1.sessionId }, a2.sessionToken)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await clients.call("grpc", SessionService, "deleteSession", { sessionId: a1.sessionId }, server.adminToken)).toMatchObject({ ok: false, code: Code.NotFound, reason: "SESSION-not-found" });
  });

  it("stops a session token at the end of its lifetime (injected clock)", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const session = expectOk(await login(clients, server.adminToken, { userId }, PASSWORD, "grpc", { lifetimeSeconds: 60 }));
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(true);
    clock.advance(59_000);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(true);
    clock.advance(2_000);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(false);
    // Still readable by an admin, with its expiration.
    const got = expectOk(await clients.call("grpc", SessionService, "getSession", { sessionId: session.sessionId }, server.adminToken));
    expect(got.session?.expirationDate).toBeDefined();
    expect(await login(clients, server.adminToken, { userId }, PASSWORD, "grpc", { lifetimeSeconds: 0 })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "SESSION-lifetime-invalid" });
    expect(
      await clients.call("grpc", SessionService, "createSession", { checks: { user: { search: { case: "userId", value: userId } } }, lifetime: { seconds: -5n } }, server.adminToken),
    ).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "SESSION-lifetime-invalid" });
  });

  it("creates a session with only a user check, which shows no password factor and authenticates nothing", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const session = expectOk(await login(clients, server.adminToken, { userId }, null));
    const got = expectOk(await clients.call("grpc", SessionService, "getSession", { sessionId: session.sessionId }, server.adminToken));
    expect(got.session?.factors?.user?.id).toBe(userId);
    expect(got.session?.factors?.password).toBeUndefined();
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(false);
    // A password check for a user without a password fails like any wrong password (see no-password-answers.test.ts).
    expect(await login(clients, server.adminToken, { userId }, PASSWORD)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-password-invalid" });
  });
});

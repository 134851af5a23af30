import { Code } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { SessionService } from "../../gen/zitadel/session/v2/session_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk, rest } from "../harness/clients.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { authenticates, login, newHumanWithPassword } from "./helpers.js";

describeOnDatabases("the user's and org's state decide login and token use on %s", { manualClock: true }, (t) => {
  const { server, clients, clock } = t;

  const user = (method: "deactivateUser" | "reactivateUser" | "lockUser" | "unlockUser" | "deleteUser", userId: string) =>
    clients.call("grpc", UserService, method, { userId }, server.adminToken).then(expectOk);
  const org = (method: "deactivateOrganization" | "activateOrganization", id: string) =>
    clients.call("connect-json", OrganizationService, method, { id }, server.adminToken).then(expectOk);

  it("gives no session to an inactive, locked, deleted, initial-without-password or machine user", async () => {
    const inactive = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    await user("deactivateUser", inactive.userId);
    expect(await login(clients, server.adminToken, { userId: inactive.userId })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-inactive" });
    expect(await login(clients, server.adminToken, { loginName: inactive.username }, null)).toMatchObject({ ok: false, reason: "USER-inactive" });

    const locked = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    await user("lockUser", locked.userId);
    expect(await login(clients, server.adminToken, { userId: locked.userId })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-locked" });

    const deleted = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    await user("deleteUser", deleted.userId);
    expect(await login(clients, server.adminToken, { userId: deleted.userId })).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
    expect(await login(clients, server.adminToken, { loginName: deleted.username })).toMatchObject({ ok: false, code: Code.NotFound });

    const initial = await newHuman(clients, server.adminToken, t.orgId, false);
    expect(await login(clients, server.adminToken, { userId: initial }, null)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-initial" });

    const machine = await newMachine(clients, server.adminToken, t.orgId);
    expect(await login(clients, server.adminToken, { userId: machine.userId })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-machine" });

    // None of these refusals is counted as a failed password check.
    const checks = await server.app.database.db
      .selectFrom("events")
      .select("type")
      .where("type", "like", "user.password.check.%")
      .where("aggregate_id", "in", [inactive.userId, locked.userId, deleted.userId, initial, machine.userId])
      .execute();
    expect(checks).toEqual([]);
  });

  it("kills the user's sessions and PATs on the next call after deactivation; reactivation revives PATs, never old sessions", async () => {
    const human = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const session = expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    const machine = await newMachine(clients, server.adminToken, t.orgId);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(true);
    expect(await authenticates(clients, machine.token)).toBe(true);

    await user("deactivateUser", human.userId);
    await user("deactivateUser", machine.userId);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(false);
    expect(await authenticates(clients, machine.token)).toBe(false);
    expect((await rest(server.url, "GET", `/v2/sessions/${session.sessionId}`, { token: session.sessionToken })).status).toBe(401);

    await user("reactivateUser", human.userId);
    await user("reactivateUser", machine.userId);
    expect(await authenticates(clients, machine.token)).toBe(true);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(false);
    const fresh = expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    expect(await authenticates(clients, fresh.sessionToken, fresh.sessionId)).toBe(true);

    // A lock ends sessions the same way; unlocking does not bring them back.
    await user("lockUser", human.userId);
    expect(await authenticates(clients, fresh.sessionToken, fresh.sessionId)).toBe(false);
    await user("unlockUser", human.userId);
    expect(await authenticates(clients, fresh.sessionToken, fresh.sessionId)).toBe(false);
    const afterUnlock = expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    expect(await authenticates(clients, afterUnlock.sessionToken, afterUnlock.sessionId)).toBe(true);

    // Deletion ends everything for good.
    await user("deleteUser", human.userId);
    expect(await authenticates(clients, afterUnlock.sessionToken, afterUnlock.sessionId)).toBe(false);
  });

  it("kills every session and PAT of an organization's users when it is deactivated; reactivation revives PATs only", async () => {
    const otherOrg = await newOrg(clients, server.adminToken);
    const human = await newHumanWithPassword(clients, server.adminToken, otherOrg);
    const session = expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    const machine = await newMachine(clients, server.adminToken, otherOrg, ["ORG_OWNER"]);
    // The org's own owner works while the org is active.
    expectOk(await clients.call("grpc", ManagementService, "getMyOrg", {}, machine.token));

    await org("deactivateOrganization", otherOrg);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(false);
    expect(await authenticates(clients, machine.token)).toBe(false);
    expect(await clients.call("grpc", ManagementService, "getMyOrg", {}, machine.token)).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(await login(clients, server.adminToken, { userId: human.userId })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "ORG-inactive" });

    await org("activateOrganization", otherOrg);
    expect(await authenticates(clients, machine.token)).toBe(true);
    expect(await authenticates(clients, session.sessionToken, session.sessionId)).toBe(false);
    const fresh = expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    expect(await authenticates(clients, fresh.sessionToken, fresh.sessionId)).toBe(true);

    // A user of this org stays unable to log in once the org is removed.
    expectOk(await clients.call("grpc", ManagementService, "removeOrg", {}, server.adminToken, { "x-zitadel-orgid": otherOrg }));
    expect(await authenticates(clients, fresh.sessionToken, fresh.sessionId)).toBe(false);
    expect(await login(clients, server.adminToken, { userId: human.userId })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "ORG-removed" });
  });

  it("refuses a PAT that expired at creation and stops an expiring PAT at its expiration (injected clock)", async () => {
    const created = expectOk(
      await clients.call("grpc", UserService, "createUser", { organizationId: t.orgId, userType: { case: "machine", value: { name: "expiring-bot" } } }, server.adminToken),
    );
    const past = await clients.call("grpc", UserService, "addPersonalAccessToken", { userId: created.id, expirationDate: timestampFromMs(clock.now().getTime() - 1000) }, server.adminToken);
    expect(past).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-pat-expired" });

    const pat = expectOk(
      await clients.call("grpc", UserService, "addPersonalAccessToken", { userId: created.id, expirationDate: timestampFromMs(clock.now().getTime() + 3_600_000) }, server.adminToken),
    );
    expect(await authenticates(clients, pat.token)).toBe(true);
    clock.advance(3_600_000 - 1);
    expect(await authenticates(clients, pat.token)).toBe(true);
    clock.advance(1);
    expect(await authenticates(clients, pat.token)).toBe(false);
    // The stored token is only its hash.
    const stored = await server.app.database.db.selectFrom("personal_access_tokens_v1").selectAll().where("token_id", "=", pat.tokenId).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(pat.token);
    expect(JSON.stringify(stored)).not.toContain(pat.token);
  });

  it("never stores a session token, only its hash", async () => {
    const human = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const session = expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    const events = await server.app.database.db.selectFrom("events").select("payload").where("aggregate_id", "=", session.sessionId).execute();
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(session.sessionToken);
    const row = await server.app.database.db.selectFrom("sessions_v1").selectAll().where("id", "=", session.sessionId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(session.sessionToken);
    expect(await clients.call("grpc", SessionService, "getSession", { sessionId: session.sessionId }, session.sessionToken)).toMatchObject({ ok: true });
  });
});

import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrgState } from "../../gen/zitadel/org_pb.js";
import { UserState } from "../../gen/zitadel/user_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk, rpcProtocols } from "../harness/clients.js";
import { newHuman, newMachine, newOrg, unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

describeOnDatabases("management v1 on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;

  describe.each(rpcProtocols)("over %s", (protocol) => {
    const mgmt = <M extends keyof typeof ManagementService.method & string>(method: M, request: object, token: string, orgId?: string) =>
      clients.call(protocol, ManagementService, method, request as never, token, orgId ? { "x-zitadel-orgid": orgId } : {});

    it("runs the user lifecycle inside the organization of the context, with v1 details", async () => {
      const orgId = await newOrg(clients, server.adminToken);
      const userId = await newHuman(clients, server.adminToken, orgId);
      const admin = server.adminToken;

      const locked = expectOk(await mgmt("lockUser", { id: userId }, admin, orgId));
      expect(locked.details).toMatchObject({ sequence: 2n, resourceOwner: orgId });
      expect(locked.details?.creationDate).toBeDefined();
      expect(await mgmt("lockUser", { id: userId }, admin, orgId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-already-locked" });
      expectOk(await mgmt("unlockUser", { id: userId }, admin, orgId));
      expectOk(await mgmt("deactivateUser", { id: userId }, admin, orgId));
      expect(await mgmt("deactivateUser", { id: userId }, admin, orgId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-already-inactive" });
      const got = expectOk(await mgmt("getUserByID", { id: userId }, admin, orgId));
      expect(got.user?.state).toBe(UserState.INACTIVE);
      expect(got.user?.details?.sequence).toBe(4n);
      expectOk(await mgmt("reactivateUser", { id: userId }, admin, orgId));
      expect(await mgmt("reactivateUser", { id: userId }, admin, orgId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-not-inactive" });

      // The same user seen from another organization's context does not exist.
      const other = await newOrg(clients, admin);
      expect(await mgmt("lockUser", { id: userId }, admin, other)).toMatchObject({ ok: false, code: Code.NotFound });
      expect(await mgmt("getUserByID", { id: userId }, admin, other)).toMatchObject({ ok: false, code: Code.NotFound });

      expectOk(await mgmt("removeUser", { id: userId }, admin, orgId));
      expect(await mgmt("getUserByID", { id: userId }, admin, orgId)).toMatchObject({ ok: false, code: Code.NotFound });
      expect(await mgmt("removeUser", { id: userId }, admin, orgId)).toMatchObject({ ok: false, code: Code.NotFound });
    });

    it("deactivates and reactivates my org, refusing repeats, and reports its state", async () => {
      const admin = server.adminToken;
      const orgId = expectOk(await mgmt("addOrg", { name: unique("acme") }, admin)).id;
      const owner = await newMachine(clients, admin, orgId, ["ORG_OWNER"]);
      const mine = expectOk(await mgmt("getMyOrg", {}, admin, orgId));
      expect(mine.org).toMatchObject({ id: orgId, state: OrgState.ACTIVE });

      const deactivated = expectOk(await mgmt("deactivateOrg", {}, admin, orgId));
      expect(deactivated.details?.resourceOwner).toBe(orgId);
      expect(deactivated.details?.sequence).toBeGreaterThan(1n);
      expect(await mgmt("deactivateOrg", {}, admin, orgId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "ORG-already-deactivated" });
      expect(expectOk(await mgmt("getMyOrg", {}, admin, orgId)).org?.state).toBe(OrgState.INACTIVE);
      // A token of a user whose org is inactive authenticates nothing, on the very next call.
      expect(await mgmt("getMyOrg", {}, owner.token)).toMatchObject({ ok: false, code: Code.Unauthenticated });

      expectOk(await mgmt("reactivateOrg", {}, admin, orgId));
      expect(await mgmt("reactivateOrg", {}, admin, orgId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "ORG-already-active" });
      // The owner's token works again, and its default context is its own org.
      expect(expectOk(await mgmt("getMyOrg", {}, owner.token)).org?.id).toBe(orgId);

      expectOk(await mgmt("removeOrg", {}, admin, orgId));
      expect(await mgmt("getMyOrg", {}, admin, orgId)).toMatchObject({ ok: false, code: Code.NotFound });
    });

    it("keeps org names unique and validates them", async () => {
      const name = unique("dup");
      expectOk(await mgmt("addOrg", { name }, server.adminToken));
      expect(await mgmt("addOrg", { name: name.toUpperCase() }, server.adminToken)).toMatchObject({ ok: false, code: Code.AlreadyExists, reason: "ORG-name-taken" });
      expect(await mgmt("addOrg", { name: "  " }, server.adminToken)).toMatchObject({ ok: false, code: Code.InvalidArgument });
      expect(await mgmt("addOrg", { name: "x".repeat(201) }, server.adminToken)).toMatchObject({ ok: false, code: Code.InvalidArgument });
    });

    it("enforces org-scoped permissions", async () => {
      const admin = server.adminToken;
      const orgA = await newOrg(clients, admin);
      const orgB = await newOrg(clients, admin);
      const manager = await newMachine(clients, admin, orgA, ["ORG_USER_MANAGER"]);
      const userA = await newHuman(clients, admin, orgA);
      const userB = await newHuman(clients, admin, orgB);
      expectOk(await mgmt("lockUser", { id: userA }, manager.token));
      // Another org's context needs a role there; without one its users do not exist for the caller.
      expect(await mgmt("lockUser", { id: userB }, manager.token, orgB)).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
      // A user manager may not change the org itself, nor create orgs.
      expect(await mgmt("deactivateOrg", {}, manager.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
      expect(await mgmt("addOrg", { name: unique("no") }, manager.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    });
  });

  it("shares the lifecycle rules with v2: a v1 lock is seen and refused by v2", async () => {
    const orgId = await newOrg(clients, server.adminToken);
    const userId = await newHuman(clients, server.adminToken, orgId);
    expectOk(await clients.call("grpc", ManagementService, "lockUser", { id: userId }, server.adminToken, { "x-zitadel-orgid": orgId }));
    expect(await clients.call("grpc", UserService, "lockUser", { userId }, server.adminToken)).toMatchObject({ ok: false, reason: "USER-already-locked" });
  });
});

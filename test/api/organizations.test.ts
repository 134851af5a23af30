import { Code } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceBeta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { OrgState } from "../../gen/zitadel/org_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { expectOk, rpcProtocols } from "../harness/clients.js";
import { newHuman, newMachine, unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

describeOnDatabases("organizations v2 and v2beta on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;

  describe.each(rpcProtocols)("over %s", (protocol) => {
    it("adds an organization with a new human admin and an existing user as admin", async () => {
      const admin = server.adminToken;
      const existing = await newHuman(clients, admin, (await clients.call(protocol, OrganizationService, "addOrganization", { name: unique("seed") }, admin).then(expectOk)).organizationId);
      const email = `${unique("first")}@example.com`;
      const res = expectOk(
        await clients.call(
          protocol,
          OrganizationService,
          "addOrganization",
          {
            name: unique("withadmins"),
            admins: [
              { userType: { case: "human", value: { username: email, profile: { givenName: "A", familyName: "B" }, email: { email, verification: { case: "isVerified", value: true } } } } },
              { userType: { case: "userId", value: existing }, roles: ["ORG_USER_MANAGER"] },
            ],
          },
          admin,
        ),
      );
      expect(res.organizationId).toMatch(/^\d+$/);
      expect(res.details?.resourceOwner).toBe(res.organizationId);
      expect(res.createdAdmins).toHaveLength(1);
      const created = expectOk(await clients.call(protocol, UserService, "getUserByID", { userId: res.createdAdmins[0].userId }, admin));
      expect(created.user).toMatchObject({ username: email, state: UserState.ACTIVE });
      expect(created.details?.resourceOwner).toBe(res.organizationId);
    });

    it("rejects an admin that does not exist, and writes nothing", async () => {
      const name = unique("ghostadmin");
      const res = await clients.call(protocol, OrganizationService, "addOrganization", { name, admins: [{ userType: { case: "userId", value: "4242" } }] }, server.adminToken);
      expect(res).toMatchObject({ ok: false, code: Code.NotFound });
      // The name was not claimed: the whole command rolled back.
      expectOk(await clients.call(protocol, OrganizationService, "addOrganization", { name }, server.adminToken));
    });

    it("deactivates and activates by id (v2beta), answering the change date", async () => {
      const admin = server.adminToken;
      const id = expectOk(await clients.call(protocol, OrganizationService, "addOrganization", { name: unique("beta") }, admin)).organizationId;
      const before = Date.now();
      const off = expectOk(await clients.call(protocol, OrganizationServiceBeta, "deactivateOrganization", { id }, admin));
      expect(timestampDate(off.changeDate!).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await clients.call(protocol, OrganizationServiceBeta, "deactivateOrganization", { id }, admin)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "ORG-already-deactivated" });
      const mine = expectOk(await clients.call(protocol, ManagementService, "getMyOrg", {}, admin, { "x-zitadel-orgid": id }));
      expect(mine.org?.state).toBe(OrgState.INACTIVE);
      expectOk(await clients.call(protocol, OrganizationServiceBeta, "activateOrganization", { id }, admin));
      expect(await clients.call(protocol, OrganizationServiceBeta, "activateOrganization", { id }, admin)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "ORG-already-active" });
      expect(await clients.call(protocol, OrganizationServiceBeta, "activateOrganization", { id: "999" }, admin)).toMatchObject({ ok: false, code: Code.NotFound, reason: "ORG-not-found" });
      expect(await clients.call(protocol, OrganizationServiceBeta, "activateOrganization", { id: "" }, admin)).toMatchObject({ ok: false, code: Code.InvalidArgument });
    });

    it("lets an org owner change only its own organization, and only admins create organizations", async () => {
      const admin = server.adminToken;
      const mine = expectOk(await clients.call(protocol, OrganizationService, "addOrganization", { name: unique("own") }, admin)).organizationId;
      const theirs = expectOk(await clients.call(protocol, OrganizationService, "addOrganization", { name: unique("theirs") }, admin)).organizationId;
      const owner = await newMachine(clients, admin, mine, ["ORG_OWNER"]);
      // An organization the caller has no role in answers like one that does not exist.
      expect(await clients.call(protocol, OrganizationServiceBeta, "deactivateOrganization", { id: theirs }, owner.token)).toMatchObject({ ok: false, code: Code.NotFound, reason: "ORG-not-found" });
      expect(await clients.call(protocol, OrganizationService, "addOrganization", { name: unique("x") }, owner.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
      expectOk(await clients.call(protocol, OrganizationServiceBeta, "deactivateOrganization", { id: mine }, admin));
      // Its owner's token died with the org.
      expect(await clients.call(protocol, OrganizationServiceBeta, "activateOrganization", { id: mine }, owner.token)).toMatchObject({ ok: false, code: Code.Unauthenticated });
    });
  });
});

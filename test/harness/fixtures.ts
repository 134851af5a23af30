import { randomBytes } from "node:crypto";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { type Clients, expectOk } from "./clients.js";

export const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString("hex")}`;

export async function newOrg(clients: Clients, adminToken: string): Promise<string> {
  const res = expectOk(await clients.call("connect-json", OrganizationService, "addOrganization", { name: unique("org") }, adminToken));
  return res.organizationId;
}

/** An ACTIVE human user (verified email). */
export async function newHuman(clients: Clients, adminToken: string, orgId: string, verified = true): Promise<string> {
  const name = unique("user");
  const res = expectOk(
    await clients.call(
      "connect-json",
      UserService,
      "addHumanUser",
      {
        organization: { org: { case: "orgId", value: orgId } },
        username: name,
        profile: { givenName: "Given", familyName: "Family" },
        email: { email: `${name}@example.com`, verification: { case: "isVerified", value: verified } },
      },
      adminToken,
    ),
  );
  return res.userId;
}

/** A machine user with a personal access token and, optionally, roles in its organization. */
export async function newMachine(clients: Clients, adminToken: string, orgId: string, roles: string[] = []) {
  const created = expectOk(
    await clients.call("connect-json", UserService, "createUser", { organizationId: orgId, userType: { case: "machine", value: { name: unique("bot") } } }, adminToken),
  );
  const pat = expectOk(await clients.call("connect-json", UserService, "addPersonalAccessToken", { userId: created.id }, adminToken));
  if (roles.length > 0) {
    expectOk(await clients.call("connect-json", ManagementService, "addOrgMember", { userId: created.id, roles }, adminToken, { "x-zitadel-orgid": orgId }));
  }
  return { userId: created.id, token: pat.token };
}

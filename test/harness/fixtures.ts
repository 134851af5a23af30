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
  return (await addHuman(clients, adminToken, orgId, { verified })).userId;
}

/** A human user: with a password it is ACTIVE even with an unverified email; without one it needs a verified email. */
export async function addHuman(clients: Clients, adminToken: string, orgId: string, options: { verified?: boolean; password?: string; givenName?: string; familyName?: string; prefix?: string } = {}) {
  const username = unique(options.prefix ?? "user");
  const res = expectOk(
    await clients.call(
      "connect-json",
      UserService,
      "addHumanUser",
      {
        organization: { org: { case: "orgId", value: orgId } },
        username,
        profile: { givenName: options.givenName ?? "Given", familyName: options.familyName ?? "Family" },
        email: { email: `${username}@example.com`, ...(options.verified === undefined ? {} : { verification: { case: "isVerified" as const, value: options.verified } }) },
        ...(options.password === undefined ? {} : { passwordType: { case: "password" as const, value: { password: options.password } } }),
      },
      adminToken,
    ),
  );
  return { userId: res.userId, username };
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

import { randomBytes } from "node:crypto";
import { OrganizationService } from "../gen/zitadel/org/v2/org_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import type { ApiClient } from "./clients.js";
import { measure, type PassResult } from "./stats.js";

export interface Seeded {
  orgId: string;
  userIds: string[];
  /** AddHumanUser over the client's protocol: informational, not a target. */
  pass: PassResult;
}

/**
 * Creates an organization and `count` ACTIVE humans (verified email, no password: no hashing cost)
 * through the public API, so every row the workloads touch was written by the service itself.
 */
export async function seedUsers(client: ApiClient, count: number, concurrency: number): Promise<Seeded> {
  const run = randomBytes(3).toString("hex");
  const org = await client.call(OrganizationService, "addOrganization", { name: `bench-${run}` });
  const userIds: string[] = [];
  const indexes = Array.from({ length: count }, (_, i) => i);
  const pass = await measure(indexes, { concurrency }, async (i, time) => {
    await time(async () => {
      const username = `bench-${run}-${i}`;
      const res = await client.call(UserService, "addHumanUser", {
        organization: { org: { case: "orgId", value: org.organizationId } },
        username,
        profile: { givenName: "Bench", familyName: `User ${i}` },
        email: { email: `${username}@example.com`, verification: { case: "isVerified", value: true } },
      });
      userIds.push(res.userId);
    });
  });
  if (pass.errors > 0) throw new Error(`seeding failed ${pass.errors} times: ${pass.firstError}`);
  return { orgId: org.organizationId, userIds, pass };
}

import { addOrg, addOrgMember } from "../domain/org/decide.js";
import { orgAggregate } from "../domain/org/state.js";
import { INSTANCE_ID, instanceAggregate } from "../domain/instance/instance.js";
import { addMachineUser } from "../domain/user/create.js";
import { userAggregate } from "../domain/user/state.js";
import { addPersonalAccessToken } from "../domain/user/tokens.js";
import type { EventStore } from "../eventstore/event-store.js";
import { hashToken, newToken } from "../api/auth/tokens.js";

export interface BootstrapResult {
  /** Set only when this call created the instance (first start on an empty database). */
  admin?: { userId: string; orgId: string; token: string };
}

/**
 * First start: one organization and an admin machine user holding IAM_OWNER, with a personal access
 * token (ADMIN_TOKEN if given). Appending to the instance stream at version 0 makes concurrent first
 * starts safe: exactly one wins, the others see the instance already set up.
 */
export async function bootstrapInstance(
  store: EventStore,
  options: { newId(): string; now(): Date; adminToken?: string },
): Promise<BootstrapResult> {
  const token = options.adminToken || newToken();
  const orgId = options.newId();
  const userId = options.newId();
  const tokenId = options.newId();
  const created = await store.run({ creator: "system" }, async (session) => {
    const instance = await session.load(instanceAggregate, INSTANCE_ID);
    if (instance.state.setUp) return false;
    const org = await session.load(orgAggregate, orgId);
    const user = await session.load(userAggregate, userId);
    session.append(org, addOrg(org.state, "ZITADEL"), orgId);
    session.append(org, addOrgMember(org.state, userId, ["ORG_OWNER"]));
    session.append(user, addMachineUser(user.state, { username: "zitadel-admin", name: "Administrator", description: "created at first start" }), orgId);
    session.append(user, addPersonalAccessToken(user.state, { tokenId, tokenHash: hashToken(token), expiration: undefined }, options.now()));
    session.append(instance, [
      { type: "instance.setup", data: { defaultOrgId: orgId } },
      { type: "instance.member.added", data: { userId, roles: ["IAM_OWNER"] } },
    ], orgId);
    return true;
  });
  return created ? { admin: { userId, orgId, token } } : {};
}

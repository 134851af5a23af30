import { hashToken, newToken } from "../credentials/tokens.js";
import { addOrg, addOrgMember, reactivateOrg } from "../domain/org/decide.js";
import { orgAggregate } from "../domain/org/state.js";
import { addInstanceOwner, INSTANCE_ID, instanceAggregate, setUpInstance } from "../domain/instance/instance.js";
import { addMachineUser } from "../domain/user/create.js";
import { userAggregate } from "../domain/user/state.js";
import { addPersonalAccessToken } from "../domain/user/tokens.js";
import type { CommandSession, LoadedAggregate } from "../eventstore/event-store.js";
import type { OrgState } from "../domain/org/state.js";
import type { Deps } from "./deps.js";

/** Who acts when nobody signed in does: recorded as the creator of the events. */
export const SYSTEM_CREATORS = { bootstrap: "system", recover: "system:admin-recover" } as const;

export interface NewOwner {
  userId: string;
  orgId: string;
  token: string;
}

/**
 * Queues a machine user holding IAM_OWNER in the instance and ORG_OWNER in its organization, with one
 * personal access token that never expires. The token itself is only in the answer; events hold its hash.
 */
async function appendOwner(
  session: CommandSession,
  deps: Pick<Deps, "newId" | "now">,
  org: LoadedAggregate<OrgState>,
  orgId: string,
  user: { username: string; name: string; description: string },
  token: string,
): Promise<string> {
  const userId = deps.newId();
  const owner = await session.load(userAggregate, userId);
  session.append(org, addOrgMember(org.state, userId, ["ORG_OWNER"]));
  session.append(owner, addMachineUser(owner.state, user), orgId);
  session.append(owner, addPersonalAccessToken(owner.state, { tokenId: deps.newId(), tokenHash: hashToken(token), expiration: undefined }, deps.now()));
  return userId;
}

/**
 * First start: one organization and an admin machine user holding IAM_OWNER. Appending to the instance
 * stream at version 0 makes concurrent first starts safe: exactly one wins. Answers undefined when the
 * instance was already set up (by this or another process).
 */
export async function bootstrapInstance(deps: Pick<Deps, "store" | "newId" | "now">, token: string): Promise<NewOwner | undefined> {
  return deps.store.run({ creator: SYSTEM_CREATORS.bootstrap }, async (session) => {
    const instance = await session.load(instanceAggregate, INSTANCE_ID);
    if (instance.state.setUp) return undefined;
    const orgId = deps.newId();
    const org = await session.load(orgAggregate, orgId);
    session.append(org, addOrg(org.state, "ZITADEL"), orgId);
    const userId = await appendOwner(session, deps, org, orgId, { username: "zitadel-admin", name: "Administrator", description: "created at first start" }, token);
    session.append(instance, setUpInstance(instance.state, orgId, userId), orgId);
    return { userId, orgId, token };
  });
}

/** Whether first-start setup has run. */
export async function isInstanceSetUp(deps: Pick<Deps, "store">): Promise<boolean> {
  return deps.store.run({ creator: SYSTEM_CREATORS.bootstrap }, async (session) => (await session.load(instanceAggregate, INSTANCE_ID)).state.setUp);
}

/**
 * The way back in when no instance owner can sign in (`npm run admin:recover`): a new machine user holding
 * IAM_OWNER with a new token, in the instance's default organization, which is reactivated if it was
 * deactivated (or replaced by a new one if it was removed). Acts as the system, so the history says so.
 */
export async function recoverInstanceOwner(deps: Pick<Deps, "store" | "newId" | "now">): Promise<NewOwner & { reactivatedOrg: boolean; createdOrg: boolean }> {
  const token = newToken();
  return deps.store.run({ creator: SYSTEM_CREATORS.recover }, async (session) => {
    const instance = await session.load(instanceAggregate, INSTANCE_ID);
    let orgId = instance.state.defaultOrgId ?? deps.newId();
    let org = await session.load(orgAggregate, orgId);
    const reactivatedOrg = org.state.status === "inactive";
    if (reactivatedOrg) session.append(org, reactivateOrg(org.state));
    const createdOrg = org.state.status === "absent" || org.state.status === "removed";
    if (createdOrg) {
      orgId = deps.newId();
      org = await session.load(orgAggregate, orgId);
      session.append(org, addOrg(org.state, `Recovery ${orgId}`), orgId);
    }
    const stamp = deps.now().toISOString();
    const userId = await appendOwner(session, deps, org, orgId, { username: `recovery-admin-${deps.newId()}`, name: "Recovered administrator", description: `created by admin:recover at ${stamp}` }, token);
    session.append(instance, addInstanceOwner(instance.state, userId));
    return { userId, orgId, token, reactivatedOrg, createdOrg };
  });
}

import { failedPrecondition } from "../domain/errors.js";
import type { NewHuman } from "../domain/user/create.js";
import { removeUser, validateUserId } from "../domain/user/decide.js";
import { addScimUser, type ScimChange, updateFromScim } from "../domain/user/scim.js";
import type { UserEvent } from "../domain/user/events.js";
import type { UserState } from "../domain/user/state.js";
import { userAggregate } from "../domain/user/state.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import { guardOwnerUser } from "./instance-owners.js";
import { createUserIn } from "./org.js";
import { authorizeOnUser } from "./user.js";

/** The reason id of a stale `If-Match`: the client's copy is older than the user's current sequence. */
export const VERSION_MISMATCH = "USER-version-mismatch";

/**
 * `changeUser` with optimistic concurrency for a client that holds a copy: when `expectedSequence` is given,
 * the user's sequence as loaded (inside the command, so on every retry) must equal it. A decision of no
 * events appends nothing. Returns whether anything was appended.
 */
export async function changeUserIfVersion(
  deps: Pick<Deps, "store" | "now">,
  access: Access,
  userId: string,
  inOrg: string,
  expectedSequence: number | undefined,
  decide: (state: UserState) => UserEvent[],
): Promise<boolean> {
  return deps.store.run({ creator: access.principal.userId }, async (session) => {
    const user = await session.load(userAggregate, validateUserId(userId));
    authorizeOnUser(access, user.id, user.state, { inOrg });
    if (expectedSequence !== undefined && user.state.status !== "absent" && user.version !== expectedSequence) {
      throw failedPrecondition(VERSION_MISMATCH, `The user changed since version ${expectedSequence}`);
    }
    const events = decide(user.state);
    await guardOwnerUser(session, user.id, events, deps.now);
    session.append(user, events);
    return events.length > 0;
  });
}

/** SCIM POST /Users: a new human user in the organization, provisioned (see domain/user/scim.ts). */
export async function provisionUser(
  deps: Pick<Deps, "db" | "store">,
  access: Access,
  orgId: string,
  userId: string,
  input: { human: NewHuman; externalId?: string; active?: boolean },
): Promise<void> {
  await createUserIn(deps, access, { id: orgId }, userId, (state) => addScimUser(state, input.human, input));
}

/** SCIM PUT and PATCH: one decision over attributes, password and `active`, if the client's copy is current. */
export async function updateProvisionedUser(
  deps: Pick<Deps, "store" | "now">,
  access: Access,
  orgId: string,
  userId: string,
  expectedSequence: number | undefined,
  change: ScimChange,
): Promise<void> {
  const now = deps.now();
  await changeUserIfVersion(deps, access, userId, orgId, expectedSequence, (state) => updateFromScim(state, change, now));
}

/** SCIM DELETE: removes the user, if the client's copy is current. */
export async function deprovisionUser(deps: Pick<Deps, "store" | "now">, access: Access, orgId: string, userId: string, expectedSequence: number | undefined): Promise<void> {
  await changeUserIfVersion(deps, access, userId, orgId, expectedSequence, removeUser);
}

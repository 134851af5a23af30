import * as decide from "../domain/org/decide.js";
import { addOrg, addOrgMember } from "../domain/org/decide.js";
import type { NewHuman } from "../domain/user/create.js";
import { addHumanUser } from "../domain/user/create.js";
import type { OrgEvent } from "../domain/org/events.js";
import { type OrgState, orgAggregate } from "../domain/org/state.js";
import { existingUser, validateUserId } from "../domain/user/decide.js";
import type { UserEvent } from "../domain/user/events.js";
import { type UserState, userAggregate } from "../domain/user/state.js";
import { handleCommand } from "../eventstore/handle-command.js";
import type { ObjectDetails } from "../eventstore/types.js";
import { getOrgByDomain, getOrgById, type OrgRow } from "../projections/orgs/queries.js";
import { type Access, authorize, orgNotFound } from "./access.js";
import type { Deps } from "./deps.js";
import { guardOwnerOrg } from "./instance-owners.js";

/** How a request names an organization: by id, or by its (unique) primary domain. */
export type OrgRef = { id: string } | { domain: string };

/**
 * Every command on one existing organization: load it → authorize on it → decide → append (refused if it
 * would end the sign-in of the last instance owner). A missing or removed organization is the decider's NotFound.
 */
export async function changeOrg(deps: Pick<Deps, "store" | "now">, access: Access, orgId: string, decide: (state: OrgState) => OrgEvent[]): Promise<ObjectDetails> {
  const write = await deps.store.run({ creator: access.principal.userId }, async (session) => {
    const org = await session.load(orgAggregate, orgId);
    if (org.state.status !== "absent") authorize(access, { kind: "org", id: orgId });
    const events = decide(org.state);
    guardOwnerOrg(session, events, deps.now);
    return session.append(org, events);
  });
  return write.details();
}

/** An organization as its read model holds it, if the caller may act on it; removed ones are not found. */
export async function readOrg(deps: Pick<Deps, "db">, access: Access, ref: OrgRef, permission = access.permission): Promise<OrgRow> {
  const row = "id" in ref ? await getOrgById(deps.db, ref.id) : await getOrgByDomain(deps.db, ref.domain);
  if (!row) throw orgNotFound();
  authorize(access, { kind: "org", id: row.id }, permission);
  return row;
}

/**
 * Grants roles in an organization: authorized on the organization, and the new member must be a user the
 * caller can see (anyone else's users answer NotFound, as if they did not exist).
 */
export async function addMember(deps: Pick<Deps, "store">, access: Access, orgId: string, userId: string, roles: string[]): Promise<ObjectDetails> {
  const write = await deps.store.run({ creator: access.principal.userId }, async (session) => {
    const org = await session.load(orgAggregate, orgId);
    if (org.state.status !== "absent") authorize(access, { kind: "org", id: orgId });
    const member = existingUser((await session.load(userAggregate, userId)).state);
    authorize(access, { kind: "user", id: userId, orgId: member.orgId }, "user.read");
    return session.append(org, addOrgMember(org.state, userId, roles));
  });
  return write.details();
}

/**
 * A new user goes into an organization the caller may add users to: resolve it (by id or domain) →
 * authorize on it → decide → append. `decide` sees the (absent) state of the new user's stream.
 */
export async function createUserIn(
  deps: Pick<Deps, "db" | "store">,
  access: Access,
  ref: OrgRef,
  userId: string,
  decide: (state: UserState) => UserEvent[],
): Promise<ObjectDetails> {
  const org = await readOrg(deps, access, ref);
  return handleCommand(deps.store, { creator: access.principal.userId }, userAggregate, userId, decide, org.id);
}

// The organization lifecycle, once for every surface (management v1, org v2beta, console).
type LifecycleDeps = Pick<Deps, "store" | "now">;
export const deactivateOrg = (deps: LifecycleDeps, access: Access, orgId: string) => changeOrg(deps, access, orgId, decide.deactivateOrg);
export const reactivateOrg = (deps: LifecycleDeps, access: Access, orgId: string) => changeOrg(deps, access, orgId, decide.reactivateOrg);
export const removeOrg = (deps: LifecycleDeps, access: Access, orgId: string) => changeOrg(deps, access, orgId, decide.removeOrg);

/** A first administrator of a new organization: a new human, or an existing user the caller can see. */
export interface NewOrgAdmin {
  userId: string;
  roles: string[];
  human?: NewHuman;
}

/**
 * A new organization with its first administrators, in one append. Ids and password hashes are fixed by
 * the caller, so a retry decides on the same input. Creating organizations is an instance permission (the
 * method's), checked before anything is loaded.
 */
export async function addOrganization(
  deps: Pick<Deps, "store">,
  access: Access,
  input: { orgId: string; name: string; admins?: NewOrgAdmin[] },
): Promise<ObjectDetails> {
  const orgId = validateUserId(input.orgId);
  const write = await deps.store.run({ creator: access.principal.userId }, async (session) => {
    const org = await session.load(orgAggregate, orgId);
    const added = session.append(org, addOrg(org.state, input.name), orgId);
    for (const admin of input.admins ?? []) {
      const user = await session.load(userAggregate, validateUserId(admin.userId));
      if (admin.human) session.append(user, addHumanUser(user.state, admin.human), orgId);
      else existingUser(user.state);
      session.append(org, addOrgMember(org.state, admin.userId, admin.roles));
    }
    return added;
  });
  return write.details();
}

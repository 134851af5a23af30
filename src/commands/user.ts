import { validateUserId } from "../domain/user/decide.js";
import type { UserEvent } from "../domain/user/events.js";
import { type UserState, userAggregate } from "../domain/user/state.js";
import type { RunOptions } from "../eventstore/event-store.js";
import type { ObjectDetails } from "../eventstore/types.js";
import { getUserById, type UserRow } from "../projections/users/queries.js";
import { type Access, authorize, permissionDenied, userNotFound } from "./access.js";
import type { Deps } from "./deps.js";
import { guardOwnerUser } from "./instance-owners.js";

/** Narrower places a caller may act in, beyond its permissions. */
export interface UserScope {
  /** The user must belong to this organization, else it does not exist here (management v1's org context). */
  inOrg?: string;
  /** The calling application may act only on this organization's users (an org-bound API key). */
  appOrg?: string | null;
}

/** The permission decision for a loaded user, in the organization that owns it. A missing user is the decider's NotFound. */
export function authorizeOnUser(access: Access, userId: string, state: UserState, scope: UserScope = {}): void {
  if (state.status === "absent") return;
  if (scope.inOrg && state.orgId !== scope.inOrg) throw userNotFound();
  authorize(access, { kind: "user", id: userId, orgId: state.orgId });
  if (scope.appOrg && state.orgId !== scope.appOrg) throw permissionDenied(access.permission);
}

/**
 * Every command on one existing user, whatever the surface: load the user → authorize on its organization
 * → decide → append (refused if it would end the sign-in of the last instance owner). On a concurrent
 * append the whole thing runs again on the fresh state.
 */
export async function changeUser(
  deps: Pick<Deps, "store" | "now">,
  access: Access,
  userId: string,
  decide: (state: UserState) => UserEvent[],
  options: UserScope & RunOptions = {},
): Promise<ObjectDetails> {
  const write = await deps.store.run(
    { creator: access.principal.userId },
    async (session) => {
      const user = await session.load(userAggregate, validateUserId(userId));
      authorizeOnUser(access, user.id, user.state, options);
      const events = decide(user.state);
      await guardOwnerUser(session, user.id, events, deps.now);
      return session.append(user, events);
    },
    { inTransaction: options.inTransaction, transaction: options.transaction },
  );
  return write.details();
}

/** A user as its read model holds it, if the caller may read it. */
export async function readUser(deps: Pick<Deps, "db">, access: Access, userId: string, scope: UserScope = {}): Promise<UserRow> {
  const row = await getUserById(deps.db, validateUserId(userId));
  if (!row || (scope.inOrg && row.resource_owner !== scope.inOrg)) throw userNotFound();
  authorize(access, { kind: "user", id: row.id, orgId: row.resource_owner });
  return row;
}

import { failedPrecondition } from "../domain/errors.js";
import { validateUserId } from "../domain/user/decide.js";
import type { UserEvent } from "../domain/user/events.js";
import type { UserState } from "../domain/user/state.js";
import { userAggregate } from "../domain/user/state.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import { guardOwnerUser } from "./instance-owners.js";
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

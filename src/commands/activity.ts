import type { ActivityKind } from "../domain/user/events.js";
import { activityIsStale, recordActivity } from "../domain/user/lifecycle.js";
import { userAggregate } from "../domain/user/state.js";
import type { Deps } from "./deps.js";
import type { Principal } from "./permissions.js";

/**
 * Records that a user was active, at most once per bucket: a concurrent request that recorded the same
 * bucket first makes this one re-decide and append nothing. The user itself is the creator.
 */
export async function recordUserActivity(deps: Pick<Deps, "store" | "now">, userId: string, via: ActivityKind): Promise<void> {
  await deps.store.run({ creator: userId }, async (session) => {
    const user = await session.load(userAggregate, userId);
    session.append(user, recordActivity(user.state, via, deps.now()));
  });
}

/**
 * A token authenticated a call. Its lookup already brought the user's idle-since moment, so in the common
 * case (this bucket is recorded) this costs nothing; otherwise one append, once per user per bucket.
 */
export async function noteTokenUse(deps: Pick<Deps, "store" | "now">, principal: Principal): Promise<void> {
  if (!activityIsStale(principal.activeUntil, deps.now())) return;
  await recordUserActivity(deps, principal.userId, "token");
}

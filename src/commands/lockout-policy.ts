import { userAggregate } from "../domain/user/state.js";
import { handleCommand } from "../eventstore/handle-command.js";
import { policyLocksPlacedBefore } from "../projections/credentials/queries.js";
import { liftExpiredLockout } from "./password-check.js";
import type { ObjectDetails } from "../eventstore/types.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import {
  effectiveLockout,
  INSTANCE_RESOURCE_OWNER,
  setLockoutSettings as decideLockoutSettings,
  LOCKOUT_SETTINGS_ID,
  type LockoutPolicy,
  lockoutSettingsAggregate,
  type LockoutSettingsState,
} from "../domain/settings/lockout.js";
import type { CommandSession, EventStore } from "../eventstore/event-store.js";
import type { StoredEvent } from "../eventstore/types.js";

/** The lockout policy in force, loaded inside a command attempt (so a retry sees a change). */
export async function loadLockoutPolicy(session: CommandSession, configured: LockoutPolicy | undefined): Promise<LockoutPolicy> {
  const settings = await session.load(lockoutSettingsAggregate, LOCKOUT_SETTINGS_ID);
  return effectiveLockout(settings.state, configured);
}

/** The lockout settings stream folded, with its last event (for details); outside any command. */
async function readLockoutSettings(store: EventStore): Promise<{ state: LockoutSettingsState; last?: StoredEvent; first?: StoredEvent }> {
  const history = await store.readStream(lockoutSettingsAggregate.type, LOCKOUT_SETTINGS_ID);
  let state = lockoutSettingsAggregate.initialState();
  for (const event of history) state = lockoutSettingsAggregate.evolve(state, event as never);
  return { state, first: history[0], last: history[history.length - 1] };
}

/**
 * The lockout policy in force: the last SetLockoutPolicy, else the configuration. `details` come from the
 * events that set it; with none (the configuration rules), only the instance as resource owner.
 */
export async function lockoutPolicyInForce(deps: Pick<Deps, "store" | "lockout">): Promise<{ policy: LockoutPolicy; details: ObjectDetails | { resourceOwner: string } }> {
  const { state, first, last } = await readLockoutSettings(deps.store);
  const policy = effectiveLockout(state, deps.lockout);
  if (!first || !last) return { policy, details: { resourceOwner: INSTANCE_RESOURCE_OWNER } };
  return { policy, details: { sequence: last.sequence, changeDate: last.createdAt, creationDate: first.createdAt, resourceOwner: last.resourceOwner } };
}

/** Replaces the instance's lockout settings (an instance permission, checked before anything is loaded). */
export function setLockoutSettings(deps: Pick<Deps, "store">, access: Access, input: LockoutPolicy): Promise<ObjectDetails> {
  return handleCommand(
    deps.store,
    { creator: access.principal.userId },
    lockoutSettingsAggregate,
    LOCKOUT_SETTINGS_ID,
    (state) => decideLockoutSettings(state, input),
    INSTANCE_RESOURCE_OWNER,
  );
}

/** Who lifts expired policy locks in the background: named, so the history says who acted. */
export const LOCKOUT_SWEEPER = "system:lockout-sweeper";

/**
 * Lifts the policy locks of up to `limit` users whose lock outlived the lockout duration. Each unlock is an
 * ordinary command on the user's stream, so it is recorded once even if two sweeps overlap.
 */
export async function sweepExpiredLockouts(deps: Pick<Deps, "db" | "store" | "now" | "lockout">, limit: number): Promise<number> {
  const policy = effectiveLockout((await readLockoutSettings(deps.store)).state, deps.lockout);
  if (!policy.lockoutDurationMs) return 0;
  const due = await policyLocksPlacedBefore(deps.db, new Date(deps.now().getTime() - policy.lockoutDurationMs), limit);
  for (const userId of due) {
    await deps.store.run({ creator: LOCKOUT_SWEEPER }, async (session) => {
      liftExpiredLockout(session, await session.load(userAggregate, userId), policy, deps.now());
    });
  }
  return due.length;
}

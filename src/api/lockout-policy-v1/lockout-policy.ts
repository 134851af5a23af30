import {
  effectiveLockout,
  LOCKOUT_SETTINGS_ID,
  type LockoutPolicy,
  lockoutSettingsAggregate,
  type LockoutSettingsState,
} from "../../domain/settings/lockout.js";
import type { CommandSession, EventStore } from "../../eventstore/event-store.js";
import type { StoredEvent } from "../../eventstore/types.js";

/** The lockout policy in force, loaded inside a command attempt (so a retry sees a change). */
export async function loadLockoutPolicy(session: CommandSession, configured: LockoutPolicy | undefined): Promise<LockoutPolicy> {
  const settings = await session.load(lockoutSettingsAggregate, LOCKOUT_SETTINGS_ID);
  return effectiveLockout(settings.state, configured);
}

/** The lockout settings stream folded, with its last event (for details); outside any command. */
export async function readLockoutSettings(store: EventStore): Promise<{ state: LockoutSettingsState; last?: StoredEvent; first?: StoredEvent }> {
  const history = await store.readStream(lockoutSettingsAggregate.type, LOCKOUT_SETTINGS_ID);
  let state = lockoutSettingsAggregate.initialState();
  for (const event of history) state = lockoutSettingsAggregate.evolve(state, event as never);
  return { state, first: history[0], last: history[history.length - 1] };
}

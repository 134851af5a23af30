import { cancelScheduledDeactivation, scheduleDeactivation, setLifecycleExemption } from "../domain/user/lifecycle.js";
import { existingUser, validateUserId } from "../domain/user/decide.js";
import { userAggregate } from "../domain/user/state.js";
import type { ObjectDetails } from "../eventstore/types.js";
import { loadStream } from "../eventstore/snapshots.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import { changeUser, readUser } from "./user.js";

export interface PendingSchedule {
  scheduleId: string;
  deactivateAt: Date;
  deleteAt?: Date;
  /** the deactivation step ran (or found the user inactive); only the deletion is pending */
  deactivated: boolean;
}

/** Schedules a user's deactivation (replacing a pending schedule), optionally with its deletion N days later. */
export async function scheduleUserDeactivation(
  deps: Pick<Deps, "store" | "now" | "newId">,
  access: Access,
  userId: string,
  input: { deactivateAt: Date; deleteAfterDays?: number },
): Promise<{ scheduleId: string; details: ObjectDetails }> {
  const scheduleId = deps.newId();
  const details = await changeUser(deps, access, userId, (state) => scheduleDeactivation(state, { scheduleId, ...input }, deps.now()));
  return { scheduleId, details };
}

export function cancelUserSchedule(deps: Pick<Deps, "store" | "now">, access: Access, userId: string): Promise<ObjectDetails> {
  return changeUser(deps, access, userId, cancelScheduledDeactivation);
}

/** Marks a user exempt from (or subject to) inactivity policies. */
export function setUserLifecycleExemption(deps: Pick<Deps, "store" | "now">, access: Access, userId: string, exempt: boolean): Promise<ObjectDetails> {
  return changeUser(deps, access, userId, (state) => setLifecycleExemption(state, exempt));
}

/** The user's pending schedule, if the caller may read the user. */
export async function readUserSchedule(deps: Pick<Deps, "db">, access: Access, userId: string): Promise<PendingSchedule | undefined> {
  const row = await readUser(deps, access, validateUserId(userId));
  const { state } = await loadStream(deps.db, userAggregate, row.id);
  const schedule = existingUser(state).schedule;
  return schedule && { scheduleId: schedule.id, deactivateAt: schedule.deactivateAt, deleteAt: schedule.deleteAt, deactivated: schedule.deactivated };
}

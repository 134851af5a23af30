import { failedPrecondition, invalidArgument, notFound } from "../errors.js";
import { deactivateUser, existingUser, removeUser } from "./decide.js";
import type { ActivityKind, UserEvent } from "./events.js";
import type { UserState } from "./state.js";

export const DAY_MS = 86_400_000;

/**
 * Activity is recorded at most once per user per UTC day: inactivity policies count in days, so a finer
 * bucket would only add writes (one event per user per day is ~1.2 events/s for 100,000 daily users). The
 * event says the user was active up to the END of its day, so a policy never acts early: a user counts as
 * idle from the end of the last day with activity, from creation, or from reactivation.
 */
export const activityBucketEnd = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS + DAY_MS);

/** True when `now` lies past what the log already knows of the user's activity: an event is worth writing. */
export const activityIsStale = (activeUntil: Date | undefined, now: Date) => !activeUntil || now.getTime() >= activeUntil.getTime();

/** One `user.activity.recorded` per bucket; nothing when this bucket is already recorded or the user is gone. */
export function recordActivity(state: UserState, via: ActivityKind, now: Date): UserEvent[] {
  if (state.status === "absent" || state.status === "deleted") return [];
  if (!activityIsStale(state.activeUntil, now)) return [];
  return [{ type: "user.activity.recorded", data: { via, until: activityBucketEnd(now).toISOString() } }];
}

/** Repeating the current value is refused, like every repeated operation. */
export function setLifecycleExemption(state: UserState, exempt: boolean): UserEvent[] {
  const user = existingUser(state);
  if (!!user.lifecycleExempt === exempt) {
    throw failedPrecondition("LIFECYCLE-exemption-unchanged", exempt ? "User is already exempt" : "User is not exempt");
  }
  return [{ type: "user.lifecycle.exemption.set", data: { exempt } }];
}

const MAX_DELETE_AFTER_DAYS = 3650;
const MAX_SCHEDULE_AHEAD_MS = 100 * 365 * DAY_MS;

export interface ScheduleInput {
  scheduleId: string;
  deactivateAt: Date;
  deleteAfterDays?: number;
}

/**
 * Schedules (or re-schedules: the new one replaces the pending one) a user's deactivation, optionally
 * followed by its deletion N days later. A time in the past means "as soon as the scheduler runs".
 */
export function scheduleDeactivation(state: UserState, input: ScheduleInput, now: Date): UserEvent[] {
  const user = existingUser(state);
  const at = input.deactivateAt.getTime();
  if (!Number.isFinite(at)) throw invalidArgument("LIFECYCLE-deactivate-at-missing", "deactivate_at is required");
  if (at > now.getTime() + MAX_SCHEDULE_AHEAD_MS) throw invalidArgument("LIFECYCLE-deactivate-at-too-far", "deactivate_at must be within 100 years");
  const days = input.deleteAfterDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 0 || days > MAX_DELETE_AFTER_DAYS)) {
    throw invalidArgument("LIFECYCLE-delete-after-days-invalid", `delete_after_days must be 0..${MAX_DELETE_AFTER_DAYS}`);
  }
  if (user.status === "initial") throw failedPrecondition("USER-initial", "Can't deactivate initial user");
  if (user.status === "inactive" && days === undefined) throw failedPrecondition("USER-already-inactive", "User is already inactive");
  const events: UserEvent[] = [];
  if (user.schedule) events.push({ type: "user.deactivation.schedule.cancelled", data: { scheduleId: user.schedule.id, reason: "replaced" } });
  const deleteAt = days === undefined ? undefined : new Date(at + days * DAY_MS).toISOString();
  events.push({ type: "user.deactivation.scheduled", data: { scheduleId: input.scheduleId, deactivateAt: new Date(at).toISOString(), deleteAt } });
  return events;
}

export function cancelScheduledDeactivation(state: UserState): UserEvent[] {
  const user = existingUser(state);
  if (!user.schedule) throw notFound("LIFECYCLE-no-schedule", "The user has no pending scheduled deactivation");
  return [{ type: "user.deactivation.schedule.cancelled", data: { scheduleId: user.schedule.id, reason: "cancelled" } }];
}

export type ScheduleStep = "deactivate" | "delete";

/**
 * One due step of a schedule, as the scheduler runs it. The deactivation is the manual one's decider with
 * the schedule as reason. Nothing when the schedule is no longer the pending one (cancelled, replaced or
 * done in the meantime), or when the deletion is due before its deactivation ran: that step waits.
 */
export function runScheduleStep(state: UserState, scheduleId: string, step: ScheduleStep): UserEvent[] {
  if (state.status === "absent" || state.status === "deleted") return [];
  const schedule = state.schedule;
  if (!schedule || schedule.id !== scheduleId) return [];
  if (step === "deactivate") {
    if (schedule.deactivated) return [];
    if (state.status === "inactive") return [{ type: "user.deactivation.schedule.skipped", data: { scheduleId, reason: "already_inactive" } }];
    if (state.status === "initial") return [{ type: "user.deactivation.schedule.cancelled", data: { scheduleId, reason: "not_deactivatable" } }];
    return deactivateUser(state, { scheduleId });
  }
  if (!schedule.deactivated) return [];
  const [removed] = removeUser(state);
  return [{ ...removed, data: { ...removed.data, scheduleId } } as UserEvent];
}

export interface InactivityRule {
  policyId: string;
  inactiveDays: number;
  includeMachineUsers: boolean;
}

/** When the rule deactivates this user, or undefined when the user is exempt or never idle by it. */
export function inactivityDueAt(state: UserState, rule: InactivityRule): Date | undefined {
  if (state.status !== "active" && state.status !== "locked") return undefined;
  if (state.lifecycleExempt || (state.kind === "machine" && !rule.includeMachineUsers) || !state.activeUntil) return undefined;
  return new Date(state.activeUntil.getTime() + rule.inactiveDays * DAY_MS);
}

/**
 * The inactivity policy's deactivation, judged again on the user's current state: nothing if the user was
 * active since the sweep read it, became exempt, or is no longer deactivatable.
 */
export function deactivateForInactivity(state: UserState, rule: InactivityRule, now: Date): UserEvent[] {
  const due = inactivityDueAt(state, rule);
  if (!due || due.getTime() > now.getTime()) return [];
  return deactivateUser(state, { policyId: rule.policyId });
}

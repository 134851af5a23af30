import type { Aggregate, DomainEvent, StoredEvent } from "../../eventstore/types.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors.js";

/**
 * An inactivity policy: one stream per organization (id = the org's id) and one for the instance default
 * (id = INSTANCE_POLICY_ID). An organization without its own policy follows the default.
 */
export type LifecyclePolicyEvent =
  | DomainEvent<"lifecycle_policy.inactivity.set", InactivityPolicy>
  | DomainEvent<"lifecycle_policy.inactivity.removed", { policyId: string }>
  /** A dry run's findings: users the policy would have deactivated, due up to `through`. */
  | DomainEvent<"lifecycle_policy.inactivity.dry_run.recorded", { policyId: string; through: string; userIds: string[] }>;

export interface InactivityPolicy {
  /** New at every set, so each deactivation names the exact rule that acted. */
  policyId: string;
  inactiveDays: number;
  includeMachineUsers: boolean;
  /** Record what would be done (dry_run.recorded events) instead of doing it. */
  dryRun: boolean;
}

export interface LifecyclePolicyState {
  policy?: InactivityPolicy;
  /** A dry run has recorded every user due up to here. */
  dryRunThrough?: Date;
}

export const INSTANCE_POLICY_ID = "instance";
export const MAX_INACTIVE_DAYS = 3650;
/** Users recorded per dry-run event, so one event stays small. */
export const DRY_RUN_USERS_PER_EVENT = 1000;

export function setInactivityPolicy(_state: LifecyclePolicyState, policy: InactivityPolicy): LifecyclePolicyEvent[] {
  if (!Number.isInteger(policy.inactiveDays) || policy.inactiveDays < 1 || policy.inactiveDays > MAX_INACTIVE_DAYS) {
    throw invalidArgument("LIFECYCLE-inactive-days-invalid", `inactive_days must be 1..${MAX_INACTIVE_DAYS}`);
  }
  return [{ type: "lifecycle_policy.inactivity.set", data: policy }];
}

export function removeInactivityPolicy(state: LifecyclePolicyState): LifecyclePolicyEvent[] {
  if (!state.policy) throw notFound("LIFECYCLE-no-policy", "No inactivity policy is set here");
  return [{ type: "lifecycle_policy.inactivity.removed", data: { policyId: state.policy.policyId } }];
}

/** Records a dry run's newly due users, unless the policy changed since the sweep read it. */
export function recordDryRun(state: LifecyclePolicyState, policyId: string, through: Date, userIds: string[]): LifecyclePolicyEvent[] {
  if (state.policy?.policyId !== policyId || !state.policy.dryRun) throw failedPrecondition("LIFECYCLE-policy-changed", "The policy changed");
  if (state.dryRunThrough && state.dryRunThrough.getTime() >= through.getTime()) return [];
  const events: LifecyclePolicyEvent[] = [];
  for (let i = 0; i < userIds.length; i += DRY_RUN_USERS_PER_EVENT) {
    const chunk = userIds.slice(i, i + DRY_RUN_USERS_PER_EVENT);
    events.push({ type: "lifecycle_policy.inactivity.dry_run.recorded", data: { policyId, through: through.toISOString(), userIds: chunk } });
  }
  return events;
}

function evolve(state: LifecyclePolicyState, event: StoredEvent<LifecyclePolicyEvent>): LifecyclePolicyState {
  switch (event.type) {
    case "lifecycle_policy.inactivity.set":
      return { policy: event.data };
    case "lifecycle_policy.inactivity.removed":
      return {};
    case "lifecycle_policy.inactivity.dry_run.recorded":
      return { ...state, dryRunThrough: new Date(event.data.through) };
    default:
      return state;
  }
}

export const lifecyclePolicyAggregate: Aggregate<LifecyclePolicyState, LifecyclePolicyEvent> = {
  type: "lifecycle_policy",
  initialState: () => ({}),
  evolve,
};

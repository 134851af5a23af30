import { type LifecyclePolicyEvent, lifecyclePolicyAggregate } from "../../domain/lifecycle-policy/policy.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";

/**
 * inactivity_policies_v1: the inactivity policy of each organization that has one, and the instance
 * default (scope_id "instance"), with how far a dry run has recorded.
 */
export const inactivityPoliciesProjection: Projection = {
  table: "inactivity_policies_v1",
  aggregateType: lifecyclePolicyAggregate.type,
  primaryKey: ["scope_id"],
  rows(stream) {
    let state = lifecyclePolicyAggregate.initialState();
    for (const event of stream) state = lifecyclePolicyAggregate.evolve(state, event as StoredEvent<LifecyclePolicyEvent>);
    const last = stream[stream.length - 1];
    if (!last || !state.policy) return [];
    const { policyId, inactiveDays, includeMachineUsers, dryRun } = state.policy;
    return [
      {
        scope_id: last.aggregateId,
        policy_id: policyId,
        inactive_days: inactiveDays,
        include_machine_users: includeMachineUsers,
        dry_run: dryRun,
        dry_run_through: state.dryRunThrough ?? null,
        change_date: last.createdAt,
      },
    ];
  },
  evolve(e): RowChange[] {
    const event = e as StoredEvent<LifecyclePolicyEvent>;
    const key = { scope_id: event.aggregateId };
    switch (event.type) {
      case "lifecycle_policy.inactivity.set": {
        const { policyId, inactiveDays, includeMachineUsers, dryRun } = event.data;
        const row = { policy_id: policyId, inactive_days: inactiveDays, include_machine_users: includeMachineUsers, dry_run: dryRun };
        return [{ op: "upsert", row: { ...key, ...row, dry_run_through: null, change_date: event.createdAt } }];
      }
      case "lifecycle_policy.inactivity.removed":
        return [{ op: "delete", where: key }];
      case "lifecycle_policy.inactivity.dry_run.recorded":
        return [{ op: "update", key, set: { dry_run_through: new Date(event.data.through), change_date: event.createdAt } }];
      default:
        return [];
    }
  },
};

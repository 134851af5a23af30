import type { OrgEvent } from "../../domain/org/events.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";

/** The login state a user event sets (`undefined` keeps a column); nothing for the other events. */
function userLoginChange(event: StoredEvent<UserEvent>): { validAfter?: number; policyLockedAt?: Date | null } | undefined {
  switch (event.type) {
    case "user.locked":
      return { validAfter: event.position, policyLockedAt: event.data.reason === "password_attempts" ? event.createdAt : null };
    case "user.deactivated":
      return { validAfter: event.position, policyLockedAt: null };
    case "user.unlocked":
    case "user.removed":
      return { policyLockedAt: null };
  }
  return undefined;
}

/**
 * user_login_states_v1: per user, the position after which sessions may have been created (the last lock
 * or deactivation: older sessions stay dead after unlock or reactivation), and when the current lock was
 * placed by the lockout policy (for the expiry sweep). No row while neither applies.
 */
export const userLoginStatesProjection: Projection = {
  table: "user_login_states_v1",
  aggregateType: "user",
  primaryKey: ["user_id"],
  rows(stream) {
    let validAfter = 0;
    let policyLockedAt: Date | null = null;
    for (const event of stream as StoredEvent<UserEvent>[]) {
      const change = userLoginChange(event);
      validAfter = change?.validAfter ?? validAfter;
      if (change?.policyLockedAt !== undefined) policyLockedAt = change.policyLockedAt;
    }
    const userId = stream[0]?.aggregateId;
    if (validAfter === 0 && policyLockedAt === null) return [];
    return [{ user_id: userId, sessions_valid_after: validAfter, policy_locked_at: policyLockedAt }];
  },
  evolve(e): RowChange[] {
    const change = userLoginChange(e as StoredEvent<UserEvent>);
    if (!change) return [];
    const key = { user_id: e.aggregateId };
    // Without a lock or deactivation before, there is no row, and clearing the lock leaves none.
    return change.validAfter === undefined
      ? [{ op: "update", key, set: { policy_locked_at: change.policyLockedAt } }]
      : [{ op: "upsert", row: { ...key, sessions_valid_after: change.validAfter, policy_locked_at: change.policyLockedAt } }];
  },
};

const orgSessionsEnd = (event: StoredEvent<OrgEvent>) => event.type === "org.deactivated" || event.type === "org.removed";

/** org_login_states_v1: per organization, the position of its last deactivation (sessions before it stay dead). */
export const orgLoginStatesProjection: Projection = {
  table: "org_login_states_v1",
  aggregateType: "org",
  primaryKey: ["org_id"],
  rows(stream) {
    let validAfter = 0;
    for (const event of stream as StoredEvent<OrgEvent>[]) if (orgSessionsEnd(event)) validAfter = event.position;
    return validAfter === 0 ? [] : [{ org_id: stream[0].aggregateId, sessions_valid_after: validAfter }];
  },
  evolve(event): RowChange[] {
    return orgSessionsEnd(event as StoredEvent<OrgEvent>) ? [{ op: "upsert", row: { org_id: event.aggregateId, sessions_valid_after: event.position } }] : [];
  },
};

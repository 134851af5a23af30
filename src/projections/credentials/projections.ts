import type { OrgEvent } from "../../domain/org/events.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { Projection, StoredEvent } from "../../eventstore/types.js";

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
      if (event.type === "user.locked" || event.type === "user.deactivated") validAfter = event.position;
      if (event.type === "user.locked") policyLockedAt = event.data.reason === "password_attempts" ? event.createdAt : null;
      if (event.type === "user.unlocked" || event.type === "user.deactivated" || event.type === "user.removed") policyLockedAt = null;
    }
    const userId = stream[0]?.aggregateId;
    if (validAfter === 0 && policyLockedAt === null) return [];
    return [{ user_id: userId, sessions_valid_after: validAfter, policy_locked_at: policyLockedAt }];
  },
};

/** org_login_states_v1: per organization, the position of its last deactivation (sessions before it stay dead). */
export const orgLoginStatesProjection: Projection = {
  table: "org_login_states_v1",
  aggregateType: "org",
  primaryKey: ["org_id"],
  rows(stream) {
    let validAfter = 0;
    for (const event of stream as StoredEvent<OrgEvent>[]) {
      if (event.type === "org.deactivated" || event.type === "org.removed") validAfter = event.position;
    }
    return validAfter === 0 ? [] : [{ org_id: stream[0].aggregateId, sessions_valid_after: validAfter }];
  },
};

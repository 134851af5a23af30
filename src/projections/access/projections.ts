import type { InstanceEvent } from "../../domain/instance/instance.js";
import type { OrgEvent } from "../../domain/org/events.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { Projection, StoredEvent } from "../../eventstore/types.js";

/** Who holds which roles in an organization; the latest grant for a user replaces earlier ones. */
export const orgMembersProjection: Projection = {
  table: "org_members_v1",
  aggregateType: "org",
  primaryKey: ["org_id", "user_id"],
  rows(stream) {
    const roles = new Map<string, string[]>();
    for (const event of stream as StoredEvent<OrgEvent>[]) {
      if (event.type === "org.member.added") roles.set(event.data.userId, event.data.roles);
    }
    const orgId = stream[0]?.aggregateId;
    return [...roles].map(([userId, r]) => ({ org_id: orgId, user_id: userId, roles: JSON.stringify(r) }));
  },
};

/** Who holds instance-wide roles (IAM_OWNER). */
export const instanceMembersProjection: Projection = {
  table: "instance_members_v1",
  aggregateType: "instance",
  primaryKey: ["user_id"],
  rows(stream) {
    const roles = new Map<string, string[]>();
    for (const event of stream as StoredEvent<InstanceEvent>[]) {
      if (event.type === "instance.member.added") roles.set(event.data.userId, event.data.roles);
    }
    return [...roles].map(([userId, r]) => ({ user_id: userId, roles: JSON.stringify(r) }));
  },
};

/** Personal access tokens by hash, for authenticating requests. A removed user's tokens go with it. */
export const personalAccessTokensProjection: Projection = {
  table: "personal_access_tokens_v1",
  aggregateType: "user",
  primaryKey: ["token_hash"],
  rows(stream) {
    const events = stream as StoredEvent<UserEvent>[];
    if (events.some((e) => e.type === "user.removed")) return [];
    return events.flatMap((event) =>
      event.type === "user.pat.added"
        ? [
            {
              token_hash: event.data.tokenHash,
              token_id: event.data.tokenId,
              user_id: event.aggregateId,
              expiration: event.data.expiration ? new Date(event.data.expiration) : null,
              created_at: event.createdAt,
            },
          ]
        : [],
    );
  },
};

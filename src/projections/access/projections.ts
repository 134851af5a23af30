import type { InstanceEvent } from "../../domain/instance/instance.js";
import type { OrgEvent } from "../../domain/org/events.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";

function orgMember(event: StoredEvent<OrgEvent>) {
  return event.type === "org.member.added" ? { org_id: event.aggregateId, user_id: event.data.userId, roles: JSON.stringify(event.data.roles) } : undefined;
}

function instanceMember(event: StoredEvent<InstanceEvent>) {
  return event.type === "instance.member.added" ? { user_id: event.data.userId, roles: JSON.stringify(event.data.roles) } : undefined;
}

/** Rows keyed by the primary key: a later row for the same key replaces the earlier one. */
function latestRows<R extends Record<string, unknown>>(stream: readonly StoredEvent[], row: (event: StoredEvent<any>) => R | undefined, key: (r: R) => string) {
  const rows = new Map<string, R>();
  for (const event of stream) {
    const r = row(event);
    if (r) rows.set(key(r), r);
  }
  return [...rows.values()];
}

const upsertOf = (row: Record<string, unknown> | undefined): RowChange[] => (row ? [{ op: "upsert", row }] : []);

/** Who holds which roles in an organization; the latest grant for a user replaces earlier ones. */
export const orgMembersProjection: Projection = {
  table: "org_members_v1",
  aggregateType: "org",
  primaryKey: ["org_id", "user_id"],
  jsonColumns: ["roles"],
  rows: (stream) => latestRows(stream, orgMember, (r) => r.user_id),
  evolve: (event) => upsertOf(orgMember(event as StoredEvent<OrgEvent>)),
};

/** Who holds instance-wide roles (IAM_OWNER). */
export const instanceMembersProjection: Projection = {
  table: "instance_members_v1",
  aggregateType: "instance",
  primaryKey: ["user_id"],
  jsonColumns: ["roles"],
  rows: (stream) => latestRows(stream, instanceMember, (r) => r.user_id),
  evolve: (event) => upsertOf(instanceMember(event as StoredEvent<InstanceEvent>)),
};

function token(event: StoredEvent<UserEvent>) {
  if (event.type !== "user.pat.added") return undefined;
  const { tokenHash, tokenId, expiration } = event.data;
  return { token_hash: tokenHash, token_id: tokenId, user_id: event.aggregateId, expiration: expiration ? new Date(expiration) : null, created_at: event.createdAt };
}

/** Personal access tokens by hash, for authenticating requests. A removed user's tokens go with it. */
export const personalAccessTokensProjection: Projection = {
  table: "personal_access_tokens_v1",
  aggregateType: "user",
  primaryKey: ["token_hash"],
  rows(stream) {
    const events = stream as StoredEvent<UserEvent>[];
    if (events.some((e) => e.type === "user.removed")) return [];
    return events.flatMap((event) => token(event) ?? []);
  },
  evolve(event): RowChange[] {
    if (event.type === "user.removed") return [{ op: "delete", where: { user_id: event.aggregateId } }];
    return upsertOf(token(event as StoredEvent<UserEvent>));
  },
};

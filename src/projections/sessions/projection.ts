import type { SessionEvent } from "../../domain/session/events.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";
import { changedDetails, createdDetails, detailsColumns } from "../details.js";

function created(added: StoredEvent<SessionEvent>) {
  if (added.type !== "session.added") return undefined;
  const { data } = added;
  return {
    id: added.aggregateId,
    user_id: data.userId,
    token_hash: data.tokenHash,
    created_position: added.position,
    user_checked_at: new Date(data.userCheckedAt),
    password_checked_at: data.passwordCheckedAt ? new Date(data.passwordCheckedAt) : null,
    expiration: data.expiration ? new Date(data.expiration) : null,
    metadata: JSON.stringify(data.metadata),
  };
}

/** sessions_v1: one row per live session; a deleted session's row goes (its token with it). */
export const sessionsProjection: Projection = {
  table: "sessions_v1",
  aggregateType: "session",
  primaryKey: ["id"],
  jsonColumns: ["metadata"],
  rows(stream) {
    const events = stream as StoredEvent<SessionEvent>[];
    const added = events.find((e) => e.type === "session.added");
    if (!added || events.some((e) => e.type === "session.terminated")) return [];
    return [{ ...created(added), ...detailsColumns(stream) }];
  },
  evolve(e): RowChange[] {
    const event = e as StoredEvent<SessionEvent>;
    const row = created(event);
    if (row) return [{ op: "upsert", row: { ...row, ...createdDetails(event) } }];
    const key = { id: event.aggregateId };
    return event.type === "session.terminated" ? [{ op: "delete", where: key }] : [{ op: "update", key, set: changedDetails(event) }];
  },
};

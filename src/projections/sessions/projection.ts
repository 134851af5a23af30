import type { SessionEvent } from "../../domain/session/events.js";
import type { Projection, StoredEvent } from "../../eventstore/types.js";
import { detailsColumns } from "../details.js";

/** sessions_v1: one row per live session; a deleted session's row goes (its token with it). */
export const sessionsProjection: Projection = {
  table: "sessions_v1",
  aggregateType: "session",
  primaryKey: ["id"],
  rows(stream) {
    const events = stream as StoredEvent<SessionEvent>[];
    const added = events.find((e) => e.type === "session.added");
    if (!added || added.type !== "session.added" || events.some((e) => e.type === "session.terminated")) return [];
    const { data } = added;
    return [
      {
        id: added.aggregateId,
        user_id: data.userId,
        token_hash: data.tokenHash,
        created_position: added.position,
        user_checked_at: new Date(data.userCheckedAt),
        password_checked_at: data.passwordCheckedAt ? new Date(data.passwordCheckedAt) : null,
        expiration: data.expiration ? new Date(data.expiration) : null,
        metadata: JSON.stringify(data.metadata),
        ...detailsColumns(stream),
      },
    ];
  },
};

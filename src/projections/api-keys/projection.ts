import type { ApiKeyEvent } from "../../domain/api-key/events.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";
import { changedDetails, createdDetails, detailsColumns } from "../details.js";

type Row = { id: string; name: string; key_hash: string; org_id: string | null; state: string };

function created(event: StoredEvent<ApiKeyEvent>): Row | undefined {
  if (event.type !== "api_key.added") return undefined;
  const { name, keyHash, orgId } = event.data;
  return { id: event.aggregateId, name, key_hash: keyHash, org_id: orgId ?? null, state: "active" };
}

/** api_keys_v1: one row per API key, revoked ones included (state "revoked"), found by the key's hash. */
export const apiKeysProjection: Projection = {
  table: "api_keys_v1",
  aggregateType: "api_key",
  primaryKey: ["id"],
  rows(stream) {
    let row: Row | undefined;
    for (const event of stream as StoredEvent<ApiKeyEvent>[]) {
      row = created(event) ?? (row && event.type === "api_key.revoked" ? { ...row, state: "revoked" } : row);
    }
    return row ? [{ ...row, ...detailsColumns(stream) }] : [];
  },
  evolve(e): RowChange[] {
    const event = e as StoredEvent<ApiKeyEvent>;
    const row = created(event);
    if (row) return [{ op: "upsert", row: { ...row, ...createdDetails(event) } }];
    const set = event.type === "api_key.revoked" ? { state: "revoked" } : {};
    return [{ op: "update", key: { id: event.aggregateId }, set: { ...set, ...changedDetails(event) } }];
  },
};

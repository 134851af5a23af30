import type { ApiKeyEvent } from "../../domain/api-key/events.js";
import type { Projection, StoredEvent } from "../../eventstore/types.js";
import { detailsColumns } from "../details.js";

/** api_keys_v1: one row per API key, revoked ones included (state "revoked"), found by the key's hash. */
export const apiKeysProjection: Projection = {
  table: "api_keys_v1",
  aggregateType: "api_key",
  primaryKey: ["id"],
  rows(stream) {
    let row: { id: string; name: string; key_hash: string; org_id: string | null; state: string } | undefined;
    for (const event of stream as StoredEvent<ApiKeyEvent>[]) {
      if (event.type === "api_key.added") {
        const { name, keyHash, orgId } = event.data;
        row = { id: event.aggregateId, name, key_hash: keyHash, org_id: orgId ?? null, state: "active" };
      } else if (row && event.type === "api_key.revoked") row = { ...row, state: "revoked" };
    }
    return row ? [{ ...row, ...detailsColumns(stream) }] : [];
  },
};

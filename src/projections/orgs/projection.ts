import type { OrgEvent } from "../../domain/org/events.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";
import { changedDetails, createdDetails, detailsColumns } from "../details.js";

type Row = { id: string; name: string; state: string; primary_domain: string };

const STATES: Partial<Record<OrgEvent["type"], string>> = { "org.deactivated": "inactive", "org.reactivated": "active", "org.removed": "removed" };

const created = (event: StoredEvent<OrgEvent>): Row | undefined =>
  event.type === "org.added" ? { id: event.aggregateId, name: event.data.name, state: "active", primary_domain: event.data.primaryDomain } : undefined;

/** orgs_v1: one row per organization, removed ones included (state "removed"). */
export const orgsProjection: Projection = {
  table: "orgs_v1",
  aggregateType: "org",
  primaryKey: ["id"],
  rows(stream) {
    let row: Row | undefined;
    for (const event of stream as StoredEvent<OrgEvent>[]) {
      const state = STATES[event.type];
      row = created(event) ?? (row && state ? { ...row, state } : row);
    }
    return row ? [{ ...row, ...detailsColumns(stream) }] : [];
  },
  evolve(e): RowChange[] {
    const event = e as StoredEvent<OrgEvent>;
    const row = created(event);
    if (row) return [{ op: "upsert", row: { ...row, ...createdDetails(event) } }];
    const state = STATES[event.type];
    return [{ op: "update", key: { id: event.aggregateId }, set: { ...(state ? { state } : {}), ...changedDetails(event) } }];
  },
};

import type { OrgEvent } from "../../domain/org/events.js";
import type { Projection, StoredEvent } from "../../eventstore/types.js";
import { detailsColumns } from "../details.js";

/** orgs_v1: one row per organization, removed ones included (state "removed"). */
export const orgsProjection: Projection = {
  table: "orgs_v1",
  aggregateType: "org",
  primaryKey: ["id"],
  rows(stream) {
    let row: { id: string; name: string; state: string; primary_domain: string } | undefined;
    for (const event of stream as StoredEvent<OrgEvent>[]) {
      if (event.type === "org.added") {
        row = { id: event.aggregateId, name: event.data.name, state: "active", primary_domain: event.data.primaryDomain };
      } else if (row && event.type === "org.deactivated") row = { ...row, state: "inactive" };
      else if (row && event.type === "org.reactivated") row = { ...row, state: "active" };
      else if (row && event.type === "org.removed") row = { ...row, state: "removed" };
    }
    return row ? [{ ...row, ...detailsColumns(stream) }] : [];
  },
};

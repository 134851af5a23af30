import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import { ClaimTakenError } from "./errors.js";
import type { CommandContext, PendingWrite } from "./pending-write.js";
import { changeQuery, planChanges, type TableChange } from "./projection-writer.js";
import { encodeState, type SnapshotRow, snapshotVersionOf, upsertSnapshotsQuery } from "./snapshots.js";
import type { ClaimOp, Projection } from "./types.js";

// How an append reaches the database: planned without I/O, then written in one statement or one transaction.

export interface AppendedRow {
  position: number;
  aggregate_type: string;
  aggregate_id: string;
  sequence: number;
}

/** Everything an append writes, decided before any I/O. */
export interface AppendPlan {
  rows: Record<string, unknown>[];
  claims: { claim: ClaimOp; aggregateId: string }[];
  /** read model changes, from the new events only */
  changes: TableChange[];
  /** each stream's state after the append */
  snapshots: SnapshotRow[];
  /** marker -> the new event it stands for (see planAppend) */
  markers: Map<number, { type: string; id: string; sequence: number }>;
}

// The database assigns positions when it inserts. Until then each new event carries a marker in their
// place (a negative number no real position can equal), and projection rows that copy a position are
// resolved from the insert's RETURNING. Projections may copy positions, never compute with them; states
// (snapshots) must not hold them at all.
// Markers are unique across appends, so the plans of several commands can share one statement.
const MARKER_BASE = -1_000_000_000_000;
const MARKER_RANGE = 1_000_000_000;
let markersIssued = 0;
const nextMarker = () => MARKER_BASE - (markersIssued++ % MARKER_RANGE);
export const markerKey = (type: string, id: string, sequence: number) => `${type}\u0000${id}\u0000${sequence}`;

/** Plans an append from the loaded version and the new events: its cost does not depend on the history. */
export function planAppend(writes: PendingWrite[], context: CommandContext, createdAt: Date, projections: readonly Projection[]): AppendPlan {
  const markers: AppendPlan["markers"] = new Map();
  const rows: Record<string, unknown>[] = [];
  const claims: AppendPlan["claims"] = [];
  const snapshots: SnapshotRow[] = [];
  for (const write of writes) {
    const { aggregate, id, version } = write.target;
    write.stored = write.events.map((event, i) => {
      const sequence = version + i + 1;
      const position = nextMarker();
      markers.set(position, { type: aggregate.type, id, sequence });
      rows.push({
        aggregate_type: aggregate.type,
        aggregate_id: id,
        sequence,
        type: event.type,
        payload: JSON.stringify(event.data),
        creator: context.creator,
        resource_owner: write.resourceOwner,
        created_at: createdAt,
      });
      return { ...event, aggregateType: aggregate.type, aggregateId: id, sequence, position, createdAt, creator: context.creator, resourceOwner: write.resourceOwner };
    });
    // The state is folded again from the stored events: the session folded provisional ones (no real dates).
    let state = write.stateBefore;
    for (const event of write.stored) {
      if (aggregate.claims) for (const claim of aggregate.claims(event, state)) claims.push({ claim, aggregateId: id });
      state = aggregate.evolve(state, event);
    }
    snapshots.push({
      aggregate_type: aggregate.type,
      aggregate_id: id,
      schema_version: snapshotVersionOf(aggregate),
      version: version + write.stored.length,
      state: encodeState(state),
      resource_owner: write.target.resourceOwner ?? write.resourceOwner,
      creation_date: write.target.creationDate ?? createdAt,
    });
  }
  const changes = planChanges(projections, writes.flatMap((w) => w.stored));
  return { rows, claims, changes, snapshots, markers };
}

function resolveMarkers(changes: TableChange[], resolve: (marker: number) => unknown, markers: AppendPlan["markers"]): TableChange[] {
  const fix = (row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "number" && markers.has(v) ? resolve(v) : v]));
  return changes.map(({ projection, change }) => {
    switch (change.op) {
      case "upsert":
        return { projection, change: { ...change, row: fix(change.row) } };
      case "update":
        return { projection, change: { ...change, set: fix(change.set) } };
      case "delete":
        return { projection, change };
    }
  });
}

const APPENDED_COLUMNS = ["position", "aggregate_type", "aggregate_id", "sequence"] as const;

/** Appends with unique claims (or the caller's extra writes) statement by statement in a transaction. */
export async function appendInTransaction(trx: Transaction<Database>, plan: AppendPlan): Promise<AppendedRow[]> {
  // 1. Events first: a concurrent append to the same stream fails here before anything else is written.
  const appended = (await trx.insertInto("events").values(plan.rows as never).returning([...APPENDED_COLUMNS]).execute()) as AppendedRow[];
  // 2. Unique claims, in the same transaction as the events that take or free them.
  for (const { claim, aggregateId } of plan.claims) {
    if (claim.op === "release") {
      await trx.deleteFrom("unique_claims").where("scope", "=", claim.scope).where("value", "=", claim.value).where("aggregate_id", "=", aggregateId).execute();
      continue;
    }
    const taken = await trx
      .insertInto("unique_claims")
      .values({ scope: claim.scope, value: claim.value, aggregate_id: aggregateId })
      .onConflict((oc) => oc.doNothing())
      .returning("scope")
      .execute();
    if (taken.length === 0) throw new ClaimTakenError(claim.scope, claim.value);
  }
  // 3. Snapshots: the next load reads one row.
  await upsertSnapshotsQuery(trx as Kysely<any>, plan.snapshots).execute();
  // 4. Inline projections: a read right after the command sees its effect.
  const positions = new Map(appended.map((row) => [markerKey(row.aggregate_type, row.aggregate_id, row.sequence), Number(row.position)]));
  const resolved = resolveMarkers(
    plan.changes,
    (marker) => {
      const { type, id, sequence } = plan.markers.get(marker)!;
      return positions.get(markerKey(type, id, sequence));
    },
    plan.markers,
  );
  for (const change of resolved) await changeQuery(trx as Kysely<any>, change).execute();
  return appended;
}

import { type Kysely, type QueryCreator, sql } from "kysely";
import { batcherOn } from "../db/batcher.js";
import type { Aggregate, StoredEvent } from "./types.js";

// Snapshots: the folded state, version and creation of each stream in one row of `aggregate_snapshots`,
// written by the same statement (or transaction) as the events, so a command loads one indexed row instead
// of its whole history. The event log stays the truth: a missing, stale or other-shape snapshot only
// means more events are folded on load.

/** What a command needs of a stream before deciding. */
export interface LoadedStream<S> {
  state: S;
  /** sequence of the stream's last event; 0 for a new stream */
  version: number;
  resourceOwner: string | undefined;
  creationDate: Date | undefined;
}

export const snapshotVersionOf = (aggregate: Aggregate<any, any>) => aggregate.snapshotVersion ?? 1;

/** JSON with Dates kept as `{"$date": iso}`, so a state survives the round trip through jsonb. */
export function encodeState(state: unknown): string {
  return JSON.stringify(state, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : value;
  });
}

export function decodeState(value: unknown): any {
  if (Array.isArray(value)) return value.map(decodeState);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === "$date") return new Date(entries[0][1] as string);
  return Object.fromEntries(entries.map(([k, v]) => [k, decodeState(v)]));
}

interface LoadRow {
  stream_id: string;
  snapshot_version: number | null;
  state: unknown;
  snapshot_owner: string | null;
  creation_date: Date | null;
  sequence: number | null;
  position: number | null;
  type: string | null;
  payload: Record<string, unknown> | null;
  creator: string | null;
  resource_owner: string | null;
  created_at: Date | null;
}

/**
 * The stream's snapshot (if it has the aggregate's current shape) and the events after it — in the
 * common case none, so the cost does not grow with the history. Concurrent loads of streams of one type
 * share ONE statement (db/batcher.ts).
 */
export function loadStream<S>(db: Kysely<any>, aggregate: Aggregate<S, any>, id: string): Promise<LoadedStream<S>> {
  return batcherOn(db, `load:${aggregate.type}`, (ids: string[]) => loadStreams(db, aggregate, ids))(id);
}

async function loadStreams<S>(db: Kysely<any>, aggregate: Aggregate<S, any>, ids: string[]): Promise<LoadedStream<S>[]> {
  const distinct = [...new Set(ids)];
  // `aggregate_id = any(…)` keeps the snapshot lookup on the index in a plan cached while the table was
  // small (a hash join over a scan of every snapshot would be cheaper then, and ruinous later).
  const { rows } = await sql<LoadRow>`
    select ids.id as stream_id, s.version as snapshot_version, s.state, s.resource_owner as snapshot_owner, s.creation_date,
           e.sequence, e.position, e.type, e.payload, e.creator, e.resource_owner, e.created_at
    from unnest(${distinct}::text[]) as ids(id)
    left join aggregate_snapshots s
      on s.aggregate_type = ${aggregate.type} and s.aggregate_id = ids.id and s.aggregate_id = any(${distinct}::text[])
      and s.schema_version = ${snapshotVersionOf(aggregate)}
    left join lateral (
      select sequence, position, type, payload, creator, resource_owner, created_at from events
      where aggregate_type = ${aggregate.type} and aggregate_id = ids.id and sequence > coalesce(s.version, 0)
      order by sequence
    ) e on true
    order by ids.id, e.sequence`.execute(db);
  const byId = new Map<string, LoadRow[]>();
  for (const row of rows) {
    const list = byId.get(row.stream_id);
    if (list) list.push(row);
    else byId.set(row.stream_id, [row]);
  }
  // Each caller folds its own copy: states are mutable per command.
  return ids.map((id) => fold(aggregate, id, byId.get(id) ?? []));
}

function fold<S>(aggregate: Aggregate<S, any>, id: string, rows: LoadRow[]): LoadedStream<S> {
  const head = rows[0];
  const loaded: LoadedStream<S> =
    head?.snapshot_version != null
      ? { state: decodeState(head.state), version: head.snapshot_version, resourceOwner: head.snapshot_owner!, creationDate: head.creation_date! }
      : { state: aggregate.initialState(), version: 0, resourceOwner: undefined, creationDate: undefined };
  for (const row of rows) {
    if (row.sequence === null) continue;
    const event: StoredEvent = {
      type: row.type!,
      data: row.payload!,
      aggregateType: aggregate.type,
      aggregateId: id,
      sequence: row.sequence,
      position: Number(row.position),
      createdAt: row.created_at!,
      creator: row.creator!,
      resourceOwner: row.resource_owner!,
    };
    loaded.state = aggregate.evolve(loaded.state, event);
    loaded.version = event.sequence;
    loaded.resourceOwner ??= event.resourceOwner;
    loaded.creationDate ??= event.createdAt;
  }
  return loaded;
}

/** A row of aggregate_snapshots. */
export interface SnapshotRow {
  aggregate_type: string;
  aggregate_id: string;
  schema_version: number;
  version: number;
  state: string;
  resource_owner: string;
  creation_date: Date;
}

/** Writes snapshots; on an existing row only state and version move (owner and creation stay the first event's). */
export function upsertSnapshotsQuery(db: QueryCreator<any>, rows: SnapshotRow[]) {
  return db
    .insertInto("aggregate_snapshots")
    .values(rows)
    .onConflict((oc) =>
      oc.columns(["aggregate_type", "aggregate_id"]).doUpdateSet({
        schema_version: sql.ref("excluded.schema_version"),
        version: sql.ref("excluded.version"),
        state: sql.ref("excluded.state"),
      }),
    );
}

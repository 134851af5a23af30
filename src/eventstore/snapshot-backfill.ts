import { type Kysely, sql } from "kysely";
import { encodeState, type SnapshotRow, snapshotVersionOf, upsertSnapshotsQuery } from "./snapshots.js";
import type { Aggregate } from "./types.js";

const READ_BATCH = 20_000;
const WRITE_BATCH = 1_000;

/**
 * Writes a snapshot for every stream of the given aggregate types, folded from the event log (in keyset
 * batches over the stream index, so memory stays bounded). Streams of other types are left to be folded
 * on their next load.
 */
export async function backfillSnapshots(db: Kysely<any>, aggregates: readonly Aggregate<any, any>[]): Promise<number> {
  const byType = new Map(aggregates.map((a) => [a.type, a]));
  const pending: SnapshotRow[] = [];
  let written = 0;
  const flush = async (min: number) => {
    if (pending.length === 0 || pending.length < min) return;
    await upsertSnapshotsQuery(db, pending.splice(0)).execute();
  };
  let current: (SnapshotRow & { folded: unknown }) | undefined;
  const finish = () => {
    if (!current) return;
    const { folded, ...row } = current;
    pending.push({ ...row, state: encodeState(folded) });
    written++;
    current = undefined;
  };
  let after = { type: "", id: "", sequence: 0 };
  for (;;) {
    const { rows } = await sql<{ aggregate_type: string; aggregate_id: string; sequence: number; position: number; type: string; payload: Record<string, unknown>; creator: string; resource_owner: string; created_at: Date }>`
      select aggregate_type, aggregate_id, sequence, position, type, payload, creator, resource_owner, created_at from events
      where (aggregate_type, aggregate_id, sequence) > (${after.type}, ${after.id}, ${after.sequence})
      order by aggregate_type, aggregate_id, sequence limit ${READ_BATCH}`.execute(db);
    for (const row of rows) {
      const aggregate = byType.get(row.aggregate_type);
      if (!aggregate) continue;
      if (current && (current.aggregate_type !== row.aggregate_type || current.aggregate_id !== row.aggregate_id)) finish();
      current ??= {
        aggregate_type: row.aggregate_type,
        aggregate_id: row.aggregate_id,
        schema_version: snapshotVersionOf(aggregate),
        version: 0,
        state: "",
        folded: aggregate.initialState(),
        resource_owner: row.resource_owner,
        creation_date: row.created_at,
      };
      const event = { type: row.type, data: row.payload, aggregateType: row.aggregate_type, aggregateId: row.aggregate_id, sequence: row.sequence, position: Number(row.position), createdAt: row.created_at, creator: row.creator, resourceOwner: row.resource_owner };
      current.folded = aggregate.evolve(current.folded, event);
      current.version = row.sequence;
    }
    await flush(WRITE_BATCH);
    if (rows.length < READ_BATCH) break;
    const last = rows[rows.length - 1];
    after = { type: last.aggregate_type, id: last.aggregate_id, sequence: last.sequence };
  }
  finish();
  await flush(1);
  return written;
}

import { type Kysely, sql } from "kysely";
import type { Db } from "../db/database.js";
import { upsertRows } from "../eventstore/projection-writer.js";
import type { Projection, StoredEvent } from "../eventstore/types.js";

const READ_BATCH = 20_000;
const WRITE_BATCH = 1_000;

export interface RebuildOptions {
  /** Called after each batch of the log is projected, with the events done so far and the log's size. */
  onProgress?: (progress: { events: number; total: number }) => void;
}

/**
 * Rebuilds every read model from the event log alone, in one transaction: readers keep seeing the old
 * rows until it commits, and appends wait (SHARE lock on events) so no event can slip past the rebuild.
 * Rows come from the same `rows(stream)` functions the inline projections use, so both yield the same.
 */
export async function rebuildProjections(db: Db, projections: readonly Projection[], options: RebuildOptions = {}): Promise<{ events: number; streams: number }> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table events in share mode`.execute(trx);
    // counted only for a progress display: the share lock keeps the total exact
    const total = options.onProgress ? Number((await trx.selectFrom("events").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n) : 0;
    for (const table of new Set(projections.map((p) => p.table))) await sql`truncate ${sql.table(table)}`.execute(trx);

    const pending = new Map<Projection, Record<string, unknown>[]>(projections.map((p) => [p, []]));
    const flush = async (min: number) => {
      for (const [projection, rows] of pending) {
        if (rows.length < min || rows.length === 0) continue;
        for (let i = 0; i < rows.length; i += WRITE_BATCH) await upsertRows(trx as Kysely<any>, projection, rows.slice(i, i + WRITE_BATCH));
        rows.length = 0;
      }
    };
    const project = (stream: StoredEvent[]) => {
      for (const projection of projections) {
        if (projection.aggregateType === stream[0].aggregateType) pending.get(projection)!.push(...projection.rows(stream));
      }
    };

    let events = 0;
    let streams = 0;
    let current: StoredEvent[] = [];
    let after: { type: string; id: string; sequence: number } | undefined;
    for (;;) {
      const batch = await readBatch(trx, after);
      for (const event of batch) {
        if (current.length > 0 && (current[0].aggregateId !== event.aggregateId || current[0].aggregateType !== event.aggregateType)) {
          project(current);
          streams++;
          current = [];
        }
        current.push(event);
      }
      events += batch.length;
      await flush(WRITE_BATCH);
      options.onProgress?.({ events, total });
      if (batch.length < READ_BATCH) break;
      const last = batch[batch.length - 1];
      after = { type: last.aggregateType, id: last.aggregateId, sequence: last.sequence };
    }
    if (current.length > 0) {
      project(current);
      streams++;
    }
    await flush(1);
    return { events, streams };
  });
}

/** Events in stream order, keyset-paginated over the (aggregate_type, aggregate_id, sequence) index. */
async function readBatch(trx: Db, after: { type: string; id: string; sequence: number } | undefined): Promise<StoredEvent[]> {
  let query = trx
    .selectFrom("events")
    .select(["aggregate_type", "aggregate_id", "sequence", "position", "type", "payload", "creator", "resource_owner", "created_at"])
    .orderBy("aggregate_type")
    .orderBy("aggregate_id")
    .orderBy("sequence")
    .limit(READ_BATCH);
  if (after) {
    query = query.where(
      (eb) => eb.refTuple("aggregate_type", "aggregate_id", "sequence"),
      ">",
      (eb) => eb.tuple(after.type, after.id, after.sequence),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => ({
    type: row.type,
    data: row.payload,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    sequence: row.sequence,
    position: Number(row.position),
    createdAt: row.created_at,
    creator: row.creator,
    resourceOwner: row.resource_owner,
  }));
}

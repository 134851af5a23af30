import { sql } from "kysely";
import type { Db } from "../db/database.js";
import type { Projection, StoredEvent } from "../eventstore/types.js";
import { insertRows, type TableColumns, tableColumns } from "./rebuild/insert-rows.js";
import { cursorAfter, LOG_START, readEventBatch } from "./rebuild/read-events.js";
import { dropSecondaryIndexes } from "./rebuild/secondary-indexes.js";

const READ_BATCH = 20_000;

export interface RebuildOptions {
  /** Called after each batch of the log is projected, with the events done so far and the log's size. */
  onProgress?: (progress: { events: number; total: number }) => void;
  /** Events read per batch (default 20,000); memory holds about two batches and the rows of two. */
  batchSize?: number;
}

/**
 * Rebuilds every read model from the event log alone, in one transaction: readers keep seeing the old
 * rows until it commits, and appends wait (SHARE lock on events) so no event can slip past the rebuild.
 * Rows come from the same `rows(stream)` functions the inline projections use, so both yield the same.
 * Aggregate snapshots are not touched: they are the event store's, and a stale one repairs itself on load.
 *
 * Pipelined on the transaction's one connection: the read of the next batch is queued before this
 * batch is projected, and its rows are written while the batch after it is projected, so the database
 * and this process work at the same time. At most one read and one write are in flight.
 */
export async function rebuildProjections(db: Db, projections: readonly Projection[], options: RebuildOptions = {}): Promise<{ events: number; streams: number }> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table events in share mode`.execute(trx);
    // counted only for a progress display: the share lock keeps the total exact
    const total = options.onProgress ? Number((await trx.selectFrom("events").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n) : 0;
    const tables = [...new Set(projections.map((p) => p.table))];
    for (const table of tables) await sql`truncate ${sql.table(table)}`.execute(trx);
    const recreateIndexes = await dropSecondaryIndexes(trx, tables);
    const columns = new Map<string, TableColumns>();
    for (const table of tables) columns.set(table, await tableColumns(trx, table));

    const byType = new Map<string, Projection[]>();
    for (const projection of projections) byType.set(projection.aggregateType, [...(byType.get(projection.aggregateType) ?? []), projection]);
    let pending = new Map<Projection, Record<string, unknown>[]>();
    const project = (stream: StoredEvent[]) => {
      for (const projection of byType.get(stream[0].aggregateType) ?? []) {
        const rows = projection.rows(stream);
        if (rows.length === 0) continue;
        const list = pending.get(projection);
        if (list) for (const row of rows) list.push(row);
        else pending.set(projection, rows);
      }
    };
    const write = async (batch: Map<Projection, Record<string, unknown>[]>) => {
      for (const [projection, rows] of batch) await insertRows(trx, projection, columns.get(projection.table)!, rows);
    };

    const batchSize = options.batchSize ?? READ_BATCH;
    let events = 0;
    let streams = 0;
    let current: StoredEvent[] = [];
    let reading = quiet(readEventBatch(trx, LOG_START, batchSize));
    let writing: Promise<void> = Promise.resolve();
    for (;;) {
      // Read k was queued before write k-1, and write k-1 is awaited before read k+1: a failed write
      // (which aborts the transaction, failing the reads queued after it) is the error reported.
      const batch = await reading;
      const more = batch.length === batchSize;
      if (more) reading = quiet(readEventBatch(trx, cursorAfter(batch[batch.length - 1]), batchSize));
      for (const event of batch) {
        if (current.length > 0 && (current[0].aggregateId !== event.aggregateId || current[0].aggregateType !== event.aggregateType)) {
          project(current);
          streams++;
          current = [];
        }
        current.push(event);
      }
      if (!more && current.length > 0) {
        project(current);
        streams++;
      }
      events += batch.length;
      await writing;
      const rows = pending;
      pending = new Map();
      writing = quiet(write(rows));
      options.onProgress?.({ events, total });
      if (!more) break;
    }
    await writing;
    await recreateIndexes();
    return { events, streams };
  });
}

/** The promise, with its rejection marked as handled until someone awaits it. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

import { type Kysely, sql } from "kysely";
import type { Projection, StoredEvent } from "./types.js";

// Projections address tables by name at runtime, so they write through an untyped handle.
type AnyDb = Kysely<any>;
type Row = Record<string, unknown>;

/** What one append changes in one read model: rows gone, rows new or different. */
export interface RowChanges {
  projection: Projection;
  deleted: Row[];
  upserted: Row[];
}

function keyOf(projection: Projection, row: Row): string {
  return JSON.stringify(projection.primaryKey.map((column) => row[column]));
}

/**
 * Diffs a projection's rows before and after an append: rows the old history produced but the new one
 * does not are deleted, new or changed rows are upserted. A lifecycle command changes one row.
 */
export function diffRows(projection: Projection, before: readonly StoredEvent[], after: readonly StoredEvent[]): RowChanges {
  const oldRows = new Map(projection.rows(before).map((row) => [keyOf(projection, row), row]));
  const upserted: Row[] = [];
  for (const row of projection.rows(after)) {
    const key = keyOf(projection, row);
    const old = oldRows.get(key);
    oldRows.delete(key);
    if (!old || JSON.stringify(old) !== JSON.stringify(row)) upserted.push(row);
  }
  return { projection, deleted: [...oldRows.values()], upserted };
}

/** Upserts rows by primary key in one statement. */
export function upsertQuery(db: AnyDb, projection: Projection, rows: Row[]) {
  const updatable = Object.keys(rows[0]).filter((column) => !projection.primaryKey.includes(column));
  return db
    .insertInto(projection.table)
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(projection.primaryKey as string[])
        .doUpdateSet(Object.fromEntries(updatable.map((c) => [c, sql.ref(`excluded.${c}`)]))),
    );
}

export function deleteQuery(db: AnyDb, projection: Projection, row: Row) {
  let query = db.deleteFrom(projection.table);
  for (const column of projection.primaryKey) query = query.where(column, "=", row[column]);
  return query;
}

export async function upsertRows(db: AnyDb, projection: Projection, rows: Row[]): Promise<void> {
  if (rows.length > 0) await upsertQuery(db, projection, rows).execute();
}

/** Applies changes statement by statement, inside the caller's transaction. */
export async function applyChanges(db: AnyDb, changes: readonly RowChanges[]): Promise<void> {
  for (const { projection, deleted, upserted } of changes) {
    for (const row of deleted) await deleteQuery(db, projection, row).execute();
    await upsertRows(db, projection, upserted);
  }
}

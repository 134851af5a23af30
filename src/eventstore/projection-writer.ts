import { type Kysely, sql } from "kysely";
import type { Projection, StoredEvent } from "./types.js";

// Projections address tables by name at runtime, so they write through an untyped handle.
type AnyDb = Kysely<any>;

function keyOf(projection: Projection, row: Record<string, unknown>): string {
  return JSON.stringify(projection.primaryKey.map((column) => row[column]));
}

/** Upserts rows by primary key in one statement. */
export async function upsertRows(db: AnyDb, projection: Projection, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const updatable = Object.keys(rows[0]).filter((column) => !projection.primaryKey.includes(column));
  await db
    .insertInto(projection.table)
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(projection.primaryKey as string[])
        .doUpdateSet(Object.fromEntries(updatable.map((c) => [c, sql.ref(`excluded.${c}`)]))),
    )
    .execute();
}

/**
 * Brings one projection up to date with an append: rows the old history produced but the new one does
 * not are deleted, new or changed rows are upserted. A lifecycle command changes one row: one statement.
 */
export async function applyProjection(
  db: AnyDb,
  projection: Projection,
  before: readonly StoredEvent[],
  after: readonly StoredEvent[],
): Promise<void> {
  const oldRows = new Map(projection.rows(before).map((row) => [keyOf(projection, row), row]));
  const changed: Record<string, unknown>[] = [];
  for (const row of projection.rows(after)) {
    const key = keyOf(projection, row);
    const old = oldRows.get(key);
    oldRows.delete(key);
    if (!old || JSON.stringify(old) !== JSON.stringify(row)) changed.push(row);
  }
  for (const gone of oldRows.values()) {
    let query = db.deleteFrom(projection.table);
    for (const column of projection.primaryKey) query = query.where(column, "=", gone[column]);
    await query.execute();
  }
  await upsertRows(db, projection, changed);
}

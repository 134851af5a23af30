import { type QueryCreator, type RawBuilder, sql } from "kysely";
import type { Projection, RowChange, StoredEvent } from "./types.js";

// Projections address tables by name at runtime, so they write through an untyped handle.
type AnyDb = QueryCreator<any>;
type Row = Record<string, unknown>;

/** One change to one read model, after merging what the events of an append did to the same row. */
export interface TableChange {
  projection: Projection;
  change: RowChange;
}

const sameValues = (row: Row, where: Row) => Object.entries(where).every(([column, value]) => row[column] === value);

/**
 * What the new events of an append change in the read models, from the events alone (no old rows, no
 * history): each projection's `evolve`, merged to at most one change per row. One statement cannot
 * touch a row twice, and the merged change is what applying them one by one would leave.
 */
export function planChanges(projections: readonly Projection[], events: readonly StoredEvent[]): TableChange[] {
  const byKey = new Map<string, TableChange>();
  const others: TableChange[] = [];
  for (const event of events) {
    for (const projection of projections) {
      if (projection.aggregateType !== event.aggregateType) continue;
      for (const change of projection.evolve(event)) {
        const key = rowKeyOf({ projection, change });
        if (key === undefined && change.op === "delete") {
          // A delete by other columns (a removed user's tokens) swallows this append's own rows it matches.
          for (const [pendingKey, pending] of byKey) {
            if (pending.projection !== projection) continue;
            if (pending.change.op !== "upsert") throw new Error(`${projection.table}: an update and a delete by other columns in one append`);
            if (sameValues(pending.change.row, change.where)) byKey.delete(pendingKey);
          }
          others.push({ projection, change });
          continue;
        }
        const previous = byKey.get(key!)?.change;
        byKey.set(key!, { projection, change: previous ? merge(previous, change) : change });
      }
    }
  }
  return [...byKey.values(), ...others];
}

/** The row a change touches, as table and primary key; undefined for a delete by other columns. */
export function rowKeyOf({ projection, change }: TableChange): string | undefined {
  const keyRow = change.op === "upsert" ? change.row : change.op === "update" ? change.key : change.where;
  const byPrimaryKey = Object.keys(keyRow).length === projection.primaryKey.length && projection.primaryKey.every((c) => c in keyRow);
  if (change.op === "delete" && !byPrimaryKey) return undefined;
  return `${projection.table}\u0000${JSON.stringify(projection.primaryKey.map((c) => keyRow[c]))}`;
}

function merge(previous: RowChange, next: RowChange): RowChange {
  if (next.op !== "update") return next;
  if (previous.op === "upsert") return { op: "upsert", row: { ...previous.row, ...next.set } };
  if (previous.op === "update") return { op: "update", key: next.key, set: { ...previous.set, ...next.set } };
  return previous;
}

/**
 * `on conflict (key) do update set …` over the written columns that are not the key (nothing to update:
 * do nothing), so a later row for a key replaces the earlier one. For statements written as SQL text.
 */
export function onConflictReplace(primaryKey: readonly string[], written: readonly string[]): RawBuilder<unknown> {
  const updated = written.filter((column) => !primaryKey.includes(column));
  const action = updated.length === 0 ? sql`do nothing` : sql`do update set ${sql.join(updated.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}`;
  return sql`on conflict (${sql.join(primaryKey.map((c) => sql.id(c)))}) ${action}`;
}

/** Upserts rows by primary key in one statement. */
function upsertQuery(db: AnyDb, projection: Projection, rows: Row[]) {
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

function whereAll<Q extends { where(column: string, op: "=", value: unknown): Q }>(query: Q, where: Row): Q {
  for (const [column, value] of Object.entries(where)) query = query.where(column, "=", value);
  return query;
}

/** The statement of one merged change. */
export function changeQuery(db: AnyDb, { projection, change }: TableChange) {
  switch (change.op) {
    case "upsert":
      return upsertQuery(db, projection, [change.row]);
    case "update":
      return whereAll(db.updateTable(projection.table).set(change.set), change.key);
    case "delete":
      return whereAll(db.deleteFrom(projection.table), change.where);
  }
}

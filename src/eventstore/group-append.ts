import { type RawBuilder, sql } from "kysely";
import { batcherOn } from "../db/batcher.js";
import type { Db } from "../db/database.js";
import { isDatabaseDown } from "../db/faults.js";
import type { AppendedRow, AppendPlan } from "./append.js";
import { onConflictReplace, rowKeyOf } from "./projection-writer.js";

// Group commit: the appends of concurrent commands (those without unique claims or extra writes) in ONE
// statement, so they share one round trip and one commit. Every row set travels as one jsonb parameter,
// so the statement's text depends only on which kinds of change it carries (not on how many commands):
// it is prepared once and planned once per connection. Each command keeps its own expected-version
// check: if the group statement fails (one of them lost a race), each is appended on its own again and
// gets its own answer.

type Outcome = { rows: AppendedRow[] } | { error: unknown };

/** An append, in the statement of whichever concurrent appends it queued with (db/batcher.ts). */
export async function groupAppend(db: Db, plan: AppendPlan): Promise<AppendedRow[]> {
  const outcome = await batcherOn(db, "append", (plans: AppendPlan[]) => appendGroup(db, plans), {}, batchKeys)(plan);
  if ("error" in outcome) throw outcome.error;
  return outcome.rows;
}

/** One statement for them all; if it fails, each on its own, so a lost race or a bad row fails only its own command. */
export async function appendGroup(db: Db, plans: AppendPlan[]): Promise<Outcome[]> {
  const alone = (plan: AppendPlan): Promise<Outcome> => appendGroupStatement(db, plan).then((rows) => ({ rows }), (error: unknown) => ({ error }));
  if (plans.length === 1) return [await alone(plans[0])];
  try {
    const rows = await appendGroupStatement(db, mergePlans(byStream(plans)));
    return plans.map(() => ({ rows }));
  } catch (error) {
    // A lost connection may have lost only the reply: the group may have committed, and appending each
    // again would answer its own success as a conflict. Each command finds out on its own (event-store.ts).
    if (isDatabaseDown(error)) return plans.map(() => ({ error }));
    return Promise.all(plans.map(alone));
  }
}

const streamOf = (plan: AppendPlan) => `${plan.snapshots[0]?.aggregate_type}\u0000${plan.snapshots[0]?.aggregate_id}`;

/** In stream order, so concurrent group statements take their locks in one order (a deadlock would only cost the fallback). */
const byStream = (plans: AppendPlan[]) => [...plans].sort((a, b) => (streamOf(a) < streamOf(b) ? -1 : 1));

/** What an append touches; two appends that share a key never go in one statement (db/batcher.ts). */
export function batchKeys(plan: AppendPlan): string[] | "alone" {
  const keys = plan.snapshots.map((s) => `stream\u0000${s.aggregate_type}\u0000${s.aggregate_id}`);
  for (const change of plan.changes) {
    const key = rowKeyOf(change);
    // A delete by other columns than the key may hit rows of any other append: it goes alone.
    if (key === undefined) return "alone";
    keys.push(key);
  }
  return keys;
}

/** Several plans as one: their markers are distinct (see append.ts), their rows disjoint (batchKeys). */
export function mergePlans(plans: AppendPlan[]): AppendPlan {
  if (plans.length === 1) return plans[0];
  return {
    rows: plans.flatMap((p) => p.rows),
    claims: plans.flatMap((p) => p.claims),
    changes: plans.flatMap((p) => p.changes),
    snapshots: plans.flatMap((p) => p.snapshots),
    markers: new Map(plans.flatMap((p) => [...p.markers])),
  };
}

const EVENT_COLUMNS = `aggregate_type text, aggregate_id text, sequence integer, type text, payload jsonb, creator text,
  resource_owner text, created_at timestamptz`;
const SNAPSHOT_COLUMNS = `aggregate_type text, aggregate_id text, schema_version integer, version integer, state jsonb,
  resource_owner text, creation_date timestamptz`;

/** JSON of rows whose `raw` columns already hold JSON text (payloads, states): embedded, not quoted again. */
function jsonRows(rows: Record<string, unknown>[], raw: readonly string[]): string {
  const parts = rows.map((row) => {
    const fields = Object.entries(row).map(([column, value]) => {
      const json = raw.includes(column) ? (value as string) : JSON.stringify(value instanceof Date ? value.toISOString() : value);
      return `${JSON.stringify(column)}:${json}`;
    });
    return `{${fields.join(",")}}`;
  });
  return `[${parts.join(",")}]`;
}

/** The statement of a plan without unique claims: events, snapshots and read model changes, all as CTEs. */
export async function appendGroupStatement(db: Db, plan: AppendPlan): Promise<AppendedRow[]> {
  const ctes: RawBuilder<unknown>[] = [
    sql`appended as (
      insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
      select * from jsonb_to_recordset(${jsonRows(plan.rows, ["payload"])}::jsonb) as r(${sql.raw(EVENT_COLUMNS)})
      returning position, aggregate_type, aggregate_id, sequence)`,
    sql`snapshots as (
      insert into aggregate_snapshots (aggregate_type, aggregate_id, schema_version, version, state, resource_owner, creation_date)
      select * from jsonb_to_recordset(${jsonRows(plan.snapshots as unknown as Record<string, unknown>[], ["state"])}::jsonb) as r(${sql.raw(SNAPSHOT_COLUMNS)})
      on conflict (aggregate_type, aggregate_id) do update
      set schema_version = excluded.schema_version, version = excluded.version, state = excluded.state)`,
  ];
  const groups = groupChanges(plan);
  if (groups.some((g) => g.markerColumns.length > 0)) {
    const markers = [...plan.markers].map(([marker, m]) => ({ marker, aggregate_type: m.type, aggregate_id: m.id, sequence: m.sequence }));
    ctes.push(sql`resolved as (
      select m.marker, a.position
      from jsonb_to_recordset(${JSON.stringify(markers)}::jsonb) as m(marker bigint, aggregate_type text, aggregate_id text, sequence integer)
      join appended a using (aggregate_type, aggregate_id, sequence))`);
  }
  groups.forEach((group, n) => ctes.push(sql`${sql.id(`change_${n}`)} as (${groupStatement(group)})`));
  const { rows } = await sql<AppendedRow>`with ${sql.join(ctes, sql`, `)} select position, aggregate_type, aggregate_id, sequence from appended`.execute(db);
  return rows;
}

/** Changes of one kind to one table: one statement over all their rows. */
interface ChangeGroup {
  op: "upsert" | "update" | "delete";
  table: string;
  primaryKey: readonly string[];
  jsonColumns: readonly string[];
  /** the columns written (upsert: all given; update: those set) */
  columns: string[];
  /** the columns that find the row (update: its key; delete: its where) */
  keyColumns: string[];
  /** columns that hold a new event's position, resolved from `appended` */
  markerColumns: string[];
  rows: Record<string, unknown>[];
}

function groupChanges(plan: AppendPlan): ChangeGroup[] {
  const groups = new Map<string, ChangeGroup>();
  const isMarker = (value: unknown) => typeof value === "number" && plan.markers.has(value);
  for (const { projection, change } of plan.changes) {
    const [written, key] =
      change.op === "upsert" ? [change.row, {}] : change.op === "update" ? [change.set, change.key] : [{}, change.where];
    const columns = Object.keys(written).sort();
    if (change.op === "update" && columns.length === 0) continue;
    const keyColumns = Object.keys(key).sort();
    const markerColumns = columns.filter((c) => isMarker(written[c]));
    const shape = [change.op, projection.table, columns.join(","), keyColumns.join(","), markerColumns.join(",")].join("|");
    let group = groups.get(shape);
    if (!group) {
      group = { op: change.op, table: projection.table, primaryKey: projection.primaryKey, jsonColumns: projection.jsonColumns ?? [], columns, keyColumns, markerColumns, rows: [] };
      groups.set(shape, group);
    }
    group.rows.push({ ...key, ...written });
  }
  // Sorted by shape, so the same kinds of change always make the same statement text.
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, group]) => group);
}

function groupStatement(group: ChangeGroup): RawBuilder<unknown> {
  const rows = sql`jsonb_populate_recordset(null::${sql.table(group.table)}, ${jsonRows(group.rows, group.jsonColumns)}::jsonb) as v`;
  const value = (column: string) =>
    group.markerColumns.includes(column)
      ? sql`coalesce((select r.position from resolved r where r.marker = v.${sql.id(column)}), v.${sql.id(column)})`
      : sql`v.${sql.id(column)}`;
  // The planner takes a row set for 100 rows, and would rather hash-join it against a scan of the whole
  // table; the keys as an array let it find the rows through the index instead.
  const [first] = group.keyColumns;
  const keys = [...new Set(group.rows.map((row) => row[first]))];
  const matches = sql.join(
    [...group.keyColumns.map((c) => sql`t.${sql.id(c)} = v.${sql.id(c)}`), sql`t.${sql.id(first)} = any(${keys})`],
    sql` and `,
  );
  switch (group.op) {
    case "upsert":
      return sql`insert into ${sql.table(group.table)} (${sql.join(group.columns.map((c) => sql.id(c)))})
        select ${sql.join(group.columns.map(value))} from ${rows}
        ${onConflictReplace(group.primaryKey, group.columns)}`;
    case "update":
      return sql`update ${sql.table(group.table)} as t set ${sql.join(group.columns.map((c) => sql`${sql.id(c)} = ${value(c)}`))}
        from ${rows} where ${matches}`;
    case "delete":
      return sql`delete from ${sql.table(group.table)} as t using ${rows} where ${matches}`;
  }
}


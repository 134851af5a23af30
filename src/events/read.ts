import { type Expression, type SqlBool, sql } from "kysely";
import type { Db } from "../db/database.js";
import { type Cursor, START } from "./cursor.js";
import type { EventFilter } from "./filter.js";

/** An event as the readers hand it out (payload not yet redacted). */
export interface LogEvent {
  cursor: Cursor;
  position: number;
  type: string;
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  createdAt: Date;
  creator: string;
  resourceOwner: string;
  payload: unknown;
}

export interface ReadOptions {
  filter?: EventFilter;
  /** Events after this place in commit order. */
  after: Cursor;
  /** …and at or before this one (already known to be safe), instead of the xmin barrier. */
  upTo?: Cursor;
  beforePosition?: number;
  limit: number;
}

// Read only below the oldest transaction still running that could write events here: everything there has
// committed or never will, so nothing can later appear before what was read. The snapshot's in-progress list
// is cluster-wide; transactions of OTHER databases on the same server are left out, so a long transaction
// elsewhere (another service, another test's database) does not hold this log back. A transaction is left
// out only when pg_stat_activity (read after the snapshot) still shows it in another database; anything it
// cannot place — ended meanwhile, hidden by privileges, PGlite — counts, which only delays, never skips.
export const BELOW_RUNNING = sql<SqlBool>`transaction_id < coalesce(
  (select min(x) from pg_snapshot_xip(pg_current_snapshot()) as x
   where (x::text::bigint % 4294967296) not in (
     select backend_xid::text::bigint from pg_stat_activity
     where backend_xid is not null and datname is not null and datname <> current_database())),
  pg_snapshot_xmax(pg_current_snapshot()))`;

const asXid = (xid: string) => sql`${xid}::xid8`;

/** One short, indexed statement: the next events in commit order. */
export async function readEvents(db: Db, options: ReadOptions): Promise<LogEvent[]> {
  const { filter = {}, after, upTo, beforePosition, limit } = options;
  const rows = await db
    .selectFrom("events")
    .select(["position", sql<string>`transaction_id::text`.as("xid"), "type", "aggregate_type", "aggregate_id", "sequence", "created_at", "creator", "resource_owner", "payload"])
    .where(({ eb, and }) => {
      const conditions: Expression<SqlBool>[] = [sql<SqlBool>`(transaction_id, position) > (${asXid(after.xid)}, ${after.position}::bigint)`];
      conditions.push(upTo ? sql<SqlBool>`(transaction_id, position) <= (${asXid(upTo.xid)}, ${upTo.position}::bigint)` : BELOW_RUNNING);
      if (beforePosition) conditions.push(eb("position", "<", beforePosition));
      if (filter.aggregateType) conditions.push(eb("aggregate_type", "=", filter.aggregateType));
      if (filter.aggregateId) conditions.push(eb("aggregate_id", "=", filter.aggregateId));
      if (filter.resourceOwner) conditions.push(eb("resource_owner", "=", filter.resourceOwner));
      if (filter.eventTypes?.length) conditions.push(eb("type", "in", filter.eventTypes));
      if (filter.creator) conditions.push(eb("creator", "=", filter.creator));
      if (filter.createdAfter) conditions.push(eb("created_at", ">=", filter.createdAfter));
      if (filter.createdBefore) conditions.push(eb("created_at", "<", filter.createdBefore));
      return and(conditions);
    })
    .orderBy(sql`transaction_id`)
    .orderBy("position")
    .limit(limit)
    .execute();
  return rows.map(logEventOf);
}

/** The place of the event at `position`, undefined when there is none. 0 is the start of the log. */
export async function cursorAt(db: Db, position: number): Promise<Cursor | undefined> {
  if (position === 0) return START;
  const row = await db.selectFrom("events").select(sql<string>`transaction_id::text`.as("xid")).where("position", "=", position).executeTakeFirst();
  return row ? { xid: row.xid, position } : undefined;
}

/** The last event no running transaction can precede: where a reader that wants only new events starts. */
export async function safeHead(db: Db): Promise<Cursor> {
  const row = await db
    .selectFrom("events")
    .select(["position", sql<string>`transaction_id::text`.as("xid")])
    .where(BELOW_RUNNING)
    .orderBy(sql`transaction_id desc`)
    .orderBy("position", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { xid: row.xid, position: Number(row.position) } : START;
}

/** The events at these positions (any order), for work that already knows which it needs. */
export async function readEventsAt(db: Db, positions: number[]): Promise<LogEvent[]> {
  if (positions.length === 0) return [];
  const rows = await db
    .selectFrom("events")
    .select(["position", sql<string>`transaction_id::text`.as("xid"), "type", "aggregate_type", "aggregate_id", "sequence", "created_at", "creator", "resource_owner", "payload"])
    .where("position", "in", positions)
    .execute();
  return rows.map(logEventOf);
}

/** The columns every event read selects (with the transaction id as text). */
export interface EventRow {
  xid: string;
  position: number | string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  sequence: number | string;
  created_at: Date | string;
  creator: string;
  resource_owner: string;
  payload: unknown;
}

/** One event row as the readers hand it on (int8 and jsonb normalised across pg and PGlite). */
export function logEventOf(r: EventRow): LogEvent {
  return {
    cursor: { xid: r.xid, position: Number(r.position) },
    position: Number(r.position),
    type: r.type,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    sequence: Number(r.sequence),
    createdAt: new Date(r.created_at),
    creator: r.creator,
    resourceOwner: r.resource_owner,
    payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload,
  };
}

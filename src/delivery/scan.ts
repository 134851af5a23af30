import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { conditionMatches, type EventCondition } from "../domain/action/execution.js";
import { readEvents } from "../events/read.js";

const BATCH = 500;

/**
 * The active targets, each with the conditions of the executions that send events to it (none: the target
 * only finishes what is already due). One query: with no active target, the loop has nothing else to ask.
 */
export async function activeTargets(db: Db): Promise<Map<string, EventCondition[]>> {
  const { rows } = await sql<{ id: string; condition_kind: string | null; condition_value: string | null }>`
    select t.id, e.condition_kind, e.condition_value
    from targets_v1 t left join executions_v1 e on e.targets @> jsonb_build_array(t.id)
    where t.state = 'active'`.execute(db);
  const byTarget = new Map<string, EventCondition[]>();
  for (const row of rows) {
    const conditions = byTarget.get(row.id) ?? [];
    byTarget.set(row.id, conditions);
    if (row.condition_kind === null) continue;
    conditions.push((row.condition_kind === "all" ? { kind: "all" } : { kind: row.condition_kind, value: row.condition_value }) as EventCondition);
  }
  return byTarget;
}

/**
 * Moves one target's cursor over the next events in commit order, turning each matching event into a due
 * delivery, in one transaction. The cursor row is locked with SKIP LOCKED: another process scanning the same
 * target at the moment makes this one skip it. A new target's cursor starts at its own creation, so it hears
 * of what happens after it exists. Returns how many events were scanned (BATCH: there may be more).
 */
export async function scanTarget(db: Db, targetId: string, conditions: EventCondition[]): Promise<number> {
  const scanned = await scanFromCursor(db, targetId, conditions);
  if (scanned !== undefined) return scanned;
  await sql`
    insert into delivery_cursors (target_id, after_xid, after_position)
    select aggregate_id, transaction_id, position from events
    where aggregate_type = 'target' and aggregate_id = ${targetId} and sequence = 1
    on conflict (target_id) do nothing`.execute(db);
  return (await scanFromCursor(db, targetId, conditions)) ?? 0;
}

/** The scan itself; undefined when the target has no cursor yet (or another process holds it: 0). */
async function scanFromCursor(db: Db, targetId: string, conditions: EventCondition[]): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const cursor = await trx
      .selectFrom("delivery_cursors")
      .select([sql<string>`after_xid::text`.as("xid"), "after_position"])
      .where("target_id", "=", targetId)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!cursor) {
      const exists = await trx.selectFrom("delivery_cursors").select("target_id").where("target_id", "=", targetId).executeTakeFirst();
      return exists ? 0 : undefined;
    }
    const events = await readEvents(trx, { after: { xid: cursor.xid, position: Number(cursor.after_position) }, limit: BATCH });
    if (events.length === 0) return 0;
    const matching = events.filter((e) => conditions.some((c) => conditionMatches(c, e.type)));
    if (matching.length > 0) {
      await trx
        .insertInto("deliveries")
        .values(
          matching.map((e) => ({
            target_id: targetId,
            position: e.position,
            aggregate_type: e.aggregateType,
            aggregate_id: e.aggregateId,
            sequence: e.sequence,
            event_type: e.type,
            event_created_at: e.createdAt,
            state: "pending",
            next_attempt_at: sql<Date>`now()`,
            created_at: sql<Date>`now()`,
          })),
        )
        // A replay may meet deliveries that exist already: they go out again.
        .onConflict((oc) => oc.columns(["target_id", "position"]).doUpdateSet({ state: "pending", attempts: 0, next_attempt_at: sql<Date>`now()`, finished_at: null, lease_until: null }))
        .execute();
    }
    const last = events[events.length - 1].cursor;
    await trx
      .updateTable("delivery_cursors")
      .set({ after_xid: sql<string>`${last.xid}::xid8`, after_position: last.position })
      .where("target_id", "=", targetId)
      .execute();
    return events.length;
  });
}

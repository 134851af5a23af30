import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { conditionMatches, type EventCondition } from "../domain/action/execution.js";
import { readEvents } from "../events/read.js";

const BATCH = 500;

/** Which conditions send events to which targets, from executions_v1. */
export async function conditionsByTarget(db: Db): Promise<Map<string, EventCondition[]>> {
  const rows = await db
    .selectFrom("executions_v1 as e")
    .select(["e.condition_kind", "e.condition_value", "e.targets"])
    .execute();
  const active = new Set((await db.selectFrom("targets_v1").select("id").where("state", "=", "active").execute()).map((r) => r.id));
  const byTarget = new Map<string, EventCondition[]>();
  for (const row of rows) {
    const condition = (row.condition_kind === "all" ? { kind: "all" } : { kind: row.condition_kind, value: row.condition_value }) as EventCondition;
    const targets: string[] = typeof row.targets === "string" ? JSON.parse(row.targets) : row.targets;
    for (const target of targets) if (active.has(target)) byTarget.set(target, [...(byTarget.get(target) ?? []), condition]);
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
  await sql`
    insert into delivery_cursors (target_id, after_xid, after_position)
    select aggregate_id, transaction_id, position from events
    where aggregate_type = 'target' and aggregate_id = ${targetId} and sequence = 1
    on conflict (target_id) do nothing`.execute(db);
  return db.transaction().execute(async (trx) => {
    const cursor = await trx
      .selectFrom("delivery_cursors")
      .select([sql<string>`after_xid::text`.as("xid"), "after_position"])
      .where("target_id", "=", targetId)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!cursor) return 0;
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

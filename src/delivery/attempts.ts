import { sql } from "kysely";
import type { Db } from "../db/database.js";

/** A delivery attempt this process has claimed: its lease lasts the target's timeout plus a margin. */
export interface ClaimedAttempt {
  targetId: string;
  position: number;
  attempt: number;
  endpoint: string;
  timeoutMs: number;
  signingKey: string;
  eventCreatedAt: Date;
}

// Time to record the outcome after the answer; past it, another process may try again (same webhook-id).
const LEASE_MARGIN_MS = 5_000;

/**
 * Claims up to `limit` due deliveries of one target, each the oldest pending event of its aggregate for that
 * target (so one aggregate's events never overtake each other, while different aggregates go in parallel).
 * Rows another process holds are skipped; the lease makes a killed process's attempts due again.
 */
export async function claimDue(db: Db, targetId: string, limit: number): Promise<ClaimedAttempt[]> {
  if (limit <= 0) return [];
  const { rows } = await sql<{ target_id: string; position: string | number; attempts: number; endpoint: string; timeout_ms: number; signing_key: string; event_created_at: Date }>`
    with due as (
      select d.target_id, d.position from deliveries d
      where d.target_id = ${targetId} and d.state = 'pending' and d.next_attempt_at <= now()
        and (d.lease_until is null or d.lease_until < now())
        and not exists (
          select 1 from deliveries e
          where e.target_id = d.target_id and e.aggregate_type = d.aggregate_type and e.aggregate_id = d.aggregate_id
            and e.state = 'pending' and e.sequence < d.sequence)
      order by d.next_attempt_at, d.position
      limit ${limit}
      for update of d skip locked
    )
    update deliveries x
    set lease_until = now() + (t.timeout_ms + ${LEASE_MARGIN_MS}) * interval '1 millisecond', attempts = x.attempts + 1
    from due, targets_v1 t, target_signing_keys k
    where x.target_id = due.target_id and x.position = due.position and t.id = x.target_id and t.state = 'active' and k.id = t.signing_key_id
    returning x.target_id, x.position, x.attempts, x.event_created_at, t.endpoint, t.timeout_ms, k.signing_key`.execute(db);
  return rows.map((r) => ({
    targetId: r.target_id,
    position: Number(r.position),
    attempt: r.attempts,
    endpoint: r.endpoint,
    timeoutMs: r.timeout_ms || 1,
    signingKey: r.signing_key,
    eventCreatedAt: new Date(r.event_created_at),
  }));
}

export type Outcome = { kind: "delivered"; status: number } | { kind: "failed"; status?: number; error: string } | { kind: "gone"; status: 410 };

/**
 * Records an attempt's outcome and its log row in one transaction. A failure is retried after the schedule's
 * next wait (with ±10 % jitter) or, past its end, becomes a dead letter. Only the attempt still holding the row
 * (same attempt number) changes it. Returns the target's failure streak after this outcome.
 */
export async function recordOutcome(
  db: Db,
  a: ClaimedAttempt,
  outcome: Outcome,
  latencyMs: number,
  scheduleMs: number[],
): Promise<{ failures: number; failingForMs: number; dead: boolean }> {
  return db.transaction().execute(async (trx) => {
    const wait = scheduleMs[a.attempt - 1];
    const dead = outcome.kind === "failed" && wait === undefined;
    const jittered = wait === undefined ? 0 : Math.round(wait * (0.9 + Math.random() * 0.2));
    const row = { lease_until: null, last_status: outcome.status ?? null, last_error: outcome.kind === "delivered" ? null : outcome.kind === "gone" ? "410 Gone" : outcome.error.slice(0, 500) };
    const update = trx.updateTable("deliveries").where("target_id", "=", a.targetId).where("position", "=", a.position).where("attempts", "=", a.attempt);
    if (outcome.kind === "delivered") await update.set({ ...row, state: "delivered", finished_at: sql<Date>`now()` }).execute();
    else if (outcome.kind === "gone") await update.set({ ...row, next_attempt_at: sql<Date>`now()` }).execute();
    else if (dead) await update.set({ ...row, state: "dead", finished_at: sql<Date>`now()` }).execute();
    else await update.set({ ...row, next_attempt_at: sql<Date>`now() + ${jittered} * interval '1 millisecond'` }).execute();
    await trx
      .insertInto("delivery_log")
      .values({
        target_id: a.targetId,
        position: a.position,
        attempt: a.attempt,
        outcome: dead ? "dead" : outcome.kind,
        status_code: outcome.status ?? null,
        latency_ms: latencyMs,
        error: outcome.kind === "failed" ? outcome.error.slice(0, 500) : null,
        at: sql<Date>`now()`,
      })
      .execute();
    const streak =
      outcome.kind === "delivered"
        ? await trx.updateTable("delivery_cursors").set({ consecutive_failures: 0, failing_since: null }).where("target_id", "=", a.targetId).returning(["consecutive_failures", sql<number>`0`.as("ms")]).executeTakeFirst()
        : await trx
            .updateTable("delivery_cursors")
            .set({ consecutive_failures: sql<number>`consecutive_failures + 1`, failing_since: sql<Date>`coalesce(failing_since, now())` })
            .where("target_id", "=", a.targetId)
            .returning(["consecutive_failures", sql<number>`(extract(epoch from now() - coalesce(failing_since, now())) * 1000)::int`.as("ms")])
            .executeTakeFirst();
    return { failures: streak?.consecutive_failures ?? 0, failingForMs: Number(streak?.ms ?? 0), dead };
  });
}

/** Drops log rows and delivered attempts older than the retention, a bounded batch at a time. */
export async function prune(db: Db, retentionMs: number): Promise<void> {
  await sql`delete from delivery_log where id in (select id from delivery_log where at < now() - ${retentionMs} * interval '1 millisecond' limit 10000)`.execute(db);
  await sql`delete from deliveries where (target_id, position) in (
    select target_id, position from deliveries where state = 'delivered' and finished_at < now() - ${retentionMs} * interval '1 millisecond' limit 10000)`.execute(db);
}

import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { type EventRow, type LogEvent, logEventOf } from "../events/read.js";

/** A delivery attempt this process has claimed: its lease lasts the target's timeout plus a margin. */
export interface ClaimedAttempt {
  targetId: string;
  position: number;
  attempt: number;
  endpoint: string;
  timeoutMs: number;
  signingKey: string;
  eventCreatedAt: Date;
  /** The event to send, read by the same statement that claimed it. */
  event: LogEvent;
}

// Time to record the outcome after the answer; past it, another process may try again (same webhook-id).
const LEASE_MARGIN_MS = 5_000;

/**
 * Claims up to `limit` due deliveries of one target, with their events (one statement), each the oldest pending event of its aggregate for that
 * target (so one aggregate's events never overtake each other, while different aggregates go in parallel).
 * Rows another process holds are skipped; the lease makes a killed process's attempts due again.
 */
export async function claimDue(db: Db, targetId: string, limit: number): Promise<ClaimedAttempt[]> {
  if (limit <= 0) return [];
  const { rows } = await sql<EventRow & { target_id: string; attempts: number; endpoint: string; timeout_ms: number; signing_key: string; event_created_at: Date }>`
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
    from due, targets_v1 t, target_signing_keys k, events ev
    where x.target_id = due.target_id and x.position = due.position and t.id = x.target_id and t.state = 'active' and k.id = t.signing_key_id
      and ev.position = x.position
    returning x.target_id, x.position, x.attempts, x.event_created_at, t.endpoint, t.timeout_ms, k.signing_key,
      ev.transaction_id::text as xid, ev.type, ev.aggregate_type, ev.aggregate_id, ev.sequence, ev.created_at, ev.creator, ev.resource_owner, ev.payload`.execute(db);
  return rows.map((r) => ({
    targetId: r.target_id,
    position: Number(r.position),
    attempt: r.attempts,
    endpoint: r.endpoint,
    timeoutMs: r.timeout_ms || 1,
    signingKey: r.signing_key,
    eventCreatedAt: new Date(r.event_created_at),
    event: logEventOf(r),
  }));
}

export type Outcome = { kind: "delivered"; status: number } | { kind: "failed"; status?: number; error: string } | { kind: "gone"; status: 410 };

/** An attempt whose answer (or failure) is known, waiting to be recorded. */
export interface FinishedAttempt {
  attempt: ClaimedAttempt;
  outcome: Outcome;
  latencyMs: number;
}

/** What recording left behind: per target its failure streak, per attempt whether it became a dead letter. */
export interface Recorded {
  streaks: Map<string, { failures: number; failingForMs: number }>;
  dead: boolean[];
}

/**
 * Records a batch of outcomes, with their log rows and each target's failure streak, in one transaction of
 * three statements (one more per further target) however many attempts it holds. A failure is retried after
 * the schedule's next wait (±10 % jitter) or, past its end, becomes a dead letter. Only the attempt still
 * holding its row (same attempt number) changes it.
 */
export async function recordOutcomes(db: Db, finished: FinishedAttempt[], scheduleMs: number[]): Promise<Recorded> {
  const dead = finished.map(({ attempt, outcome }) => outcome.kind === "failed" && scheduleMs[attempt.attempt - 1] === undefined);
  if (finished.length === 0) return { streaks: new Map(), dead };
  const rows = finished.map(({ attempt: a, outcome }, i) => {
    const wait = scheduleMs[a.attempt - 1] ?? 0;
    const state = outcome.kind === "delivered" ? "delivered" : dead[i] ? "dead" : "pending";
    // 410: due again at once, for the target that is disabled by now (an UpdateTarget sends it then).
    const waitMs = outcome.kind === "failed" ? Math.round(wait * (0.9 + Math.random() * 0.2)) : 0;
    const error = outcome.kind === "delivered" ? null : outcome.kind === "gone" ? "410 Gone" : outcome.error.slice(0, 500);
    return sql`(${a.targetId}::text, ${a.position}::bigint, ${a.attempt}::int, ${state}::text, ${waitMs}::int, ${outcome.status ?? null}::int, ${error}::text)`;
  });
  return db.transaction().execute(async (trx) => {
    await sql`
      update deliveries d set
        state = v.state, lease_until = null, last_status = v.status, last_error = v.error,
        next_attempt_at = case when v.state = 'pending' then now() + v.wait_ms * interval '1 millisecond' else d.next_attempt_at end,
        finished_at = case when v.state = 'pending' then null else now() end
      from (values ${sql.join(rows)}) as v(target_id, position, attempts, state, wait_ms, status, error)
      where d.target_id = v.target_id and d.position = v.position and d.attempts = v.attempts`.execute(trx);
    await trx
      .insertInto("delivery_log")
      .values(
        finished.map(({ attempt: a, outcome, latencyMs }, i) => ({
          target_id: a.targetId,
          position: a.position,
          attempt: a.attempt,
          outcome: dead[i] ? "dead" : outcome.kind,
          status_code: outcome.status ?? null,
          latency_ms: latencyMs,
          error: outcome.kind === "failed" ? outcome.error.slice(0, 500) : null,
          at: sql<Date>`now()`,
        })),
      )
      .execute();
    const streaks = new Map<string, { failures: number; failingForMs: number }>();
    for (const [targetId, outcomes] of groupBy(finished, (f) => f.attempt.targetId)) {
      // The failures since the batch's last success; a success in the batch restarts the streak.
      const lastSuccess = outcomes.map((f) => f.outcome.kind).lastIndexOf("delivered");
      const failures = outcomes.length - 1 - lastSuccess;
      const restart = lastSuccess >= 0;
      const row = await trx
        .updateTable("delivery_cursors")
        .set({
          consecutive_failures: restart ? failures : sql<number>`consecutive_failures + ${failures}`,
          failing_since: failures === 0 ? null : restart ? sql<Date>`now()` : sql<Date>`coalesce(failing_since, now())`,
        })
        .where("target_id", "=", targetId)
        .returning(["consecutive_failures", sql<number>`(extract(epoch from now() - coalesce(failing_since, now())) * 1000)::int`.as("ms")])
        .executeTakeFirst();
      streaks.set(targetId, { failures: row?.consecutive_failures ?? 0, failingForMs: Number(row?.ms ?? 0) });
    }
    return { streaks, dead };
  });
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Drops log rows and delivered attempts older than the retention, a bounded batch at a time. */
export async function prune(db: Db, retentionMs: number): Promise<void> {
  await sql`delete from delivery_log where id in (select id from delivery_log where at < now() - ${retentionMs} * interval '1 millisecond' limit 10000)`.execute(db);
  await sql`delete from deliveries where (target_id, position) in (
    select target_id, position from deliveries where state = 'delivered' and finished_at < now() - ${retentionMs} * interval '1 millisecond' limit 10000)`.execute(db);
}

import { type Kysely, sql } from "kysely";

/**
 * Outbound delivery, with the event log as the outbox: the command path writes nothing here.
 * - delivery_cursors: per target, how far in commit order the log has been scanned for matching events;
 *   its row is locked (SKIP LOCKED) by the one process scanning it, and carries the failure streak.
 * - deliveries: one row per event x target, due by next_attempt_at; a claimed attempt holds a lease
 *   (lease_until) so a killed process's attempts are taken over once the lease runs out.
 * - delivery_log: one row per attempt, pruned after the retention period.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table delivery_cursors (
      target_id text primary key,
      after_xid xid8 not null,
      after_position bigint not null,
      consecutive_failures integer not null default 0,
      failing_since timestamptz
    )`.execute(db);
  await sql`
    create table deliveries (
      target_id text not null,
      position bigint not null,
      aggregate_type text not null,
      aggregate_id text not null,
      sequence integer not null,
      event_type text not null,
      event_created_at timestamptz not null,
      state text not null check (state in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      lease_until timestamptz,
      last_status integer,
      last_error text,
      created_at timestamptz not null,
      finished_at timestamptz,
      primary key (target_id, position)
    )`.execute(db);
  await sql`create index deliveries_due on deliveries (next_attempt_at) where state = 'pending'`.execute(db);
  await sql`create index deliveries_aggregate_order on deliveries (target_id, aggregate_type, aggregate_id, sequence) where state = 'pending'`.execute(db);
  await sql`create index deliveries_finished on deliveries (finished_at) where state = 'delivered'`.execute(db);
  await sql`
    create table delivery_log (
      id bigint generated always as identity primary key,
      target_id text not null,
      position bigint not null,
      attempt integer not null,
      outcome text not null,
      status_code integer,
      latency_ms integer not null,
      error text,
      at timestamptz not null
    )`.execute(db);
  await sql`create index delivery_log_target on delivery_log (target_id, id)`.execute(db);
  await sql`create index delivery_log_at on delivery_log (at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table delivery_log`.execute(db);
  await sql`drop table deliveries`.execute(db);
  await sql`drop table delivery_cursors`.execute(db);
}

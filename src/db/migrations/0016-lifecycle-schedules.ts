import { type Kysely, sql } from "kysely";

/**
 * The lifecycle scheduler's read models. user_schedules_v1 holds each pending step of a scheduled
 * deactivation, indexed by due time: the scheduler claims due rows with FOR UPDATE SKIP LOCKED.
 * inactivity_policies_v1 holds each organization's inactivity policy and the instance default
 * (scope_id 'instance'). No events of either kind exist before this migration: nothing to backfill.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_schedules_v1 (
      user_id text not null,
      step text not null,
      schedule_id text not null,
      resource_owner text not null,
      due_at timestamptz not null,
      primary key (user_id, step)
    )`.execute(db);
  await sql`create index user_schedules_v1_due_at on user_schedules_v1 (due_at)`.execute(db);
  await sql`
    create table inactivity_policies_v1 (
      scope_id text primary key,
      policy_id text not null,
      inactive_days integer not null,
      include_machine_users boolean not null,
      dry_run boolean not null,
      dry_run_through timestamptz,
      change_date timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table inactivity_policies_v1`.execute(db);
  await sql`drop table user_schedules_v1`.execute(db);
}

import { type Kysely, sql } from "kysely";

/**
 * Actions: targets and executions (read models of the target and execution aggregates), and the targets'
 * signing keys, which are secrets and so live in their own table, never in an event: an event names its key
 * by id, and the key row is written in the same transaction as that event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table targets_v1 (
      id text primary key,
      name text not null,
      endpoint text not null,
      timeout_ms integer not null,
      target_type text not null,
      interrupt_on_error boolean not null,
      signing_key_id text not null,
      state text not null,
      resource_owner text not null,
      sequence integer not null,
      position bigint not null,
      creation_date timestamptz not null,
      change_date timestamptz not null
    )`.execute(db);
  await sql`
    create table executions_v1 (
      id text primary key,
      condition_kind text not null,
      condition_value text,
      targets jsonb not null,
      resource_owner text not null,
      sequence integer not null,
      position bigint not null,
      creation_date timestamptz not null,
      change_date timestamptz not null
    )`.execute(db);
  await sql`
    create table target_signing_keys (
      id text primary key,
      target_id text not null,
      signing_key text not null,
      created_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table target_signing_keys`.execute(db);
  await sql`drop table executions_v1`.execute(db);
  await sql`drop table targets_v1`.execute(db);
}

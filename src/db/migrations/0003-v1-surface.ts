import { type Kysely, sql } from "kysely";

/** The /v1/users surface: API keys (a read model of the api_key aggregate) and idempotency records. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table api_keys_v1 (
      id text primary key,
      name text not null,
      key_hash text not null unique,
      org_id text,
      state text not null,
      resource_owner text not null,
      sequence integer not null,
      position bigint not null,
      creation_date timestamptz not null,
      change_date timestamptz not null
    )`.execute(db);

  // Not derived from events: a record is operational state of the surface, written in the same transaction
  // as the command's events (state "done") or on its own (claims, failed outcomes). `claim_id` names the
  // request that holds an in_progress claim, so a request whose claim was taken over cannot complete it.
  await sql`
    create table idempotency_records (
      api_key_id text not null,
      ref text not null,
      fingerprint text not null,
      state text not null check (state in ('in_progress', 'done')),
      claim_id text not null,
      status smallint,
      body text,
      created_at timestamptz not null,
      primary key (api_key_id, ref)
    )`.execute(db);
  await sql`create index idempotency_records_created_at on idempotency_records (created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table idempotency_records`.execute(db);
  await sql`drop table api_keys_v1`.execute(db);
}

import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // The event log. `position` orders events globally; `transaction_id` lets a live reader wait for
  // transactions that took a lower position but committed later (read only below the snapshot's xmin).
  await sql`
    create table events (
      position bigint generated always as identity primary key,
      transaction_id xid8 not null default pg_current_xact_id(),
      aggregate_type text not null,
      aggregate_id text not null,
      sequence integer not null,
      type text not null,
      payload jsonb not null,
      creator text not null,
      resource_owner text not null,
      created_at timestamptz not null,
      constraint events_stream_sequence unique (aggregate_type, aggregate_id, sequence)
    )`.execute(db);
  await sql`create index events_commit_order on events (transaction_id, position)`.execute(db);

  await sql`
    create table unique_claims (
      scope text not null,
      value text not null,
      aggregate_id text not null,
      primary key (scope, value)
    )`.execute(db);

  await sql`
    create table users_v1 (
      id text primary key,
      resource_owner text not null,
      state text not null,
      type text not null,
      username text not null,
      given_name text,
      family_name text,
      nick_name text,
      display_name text,
      preferred_language text,
      gender smallint,
      email text,
      email_verified boolean not null default false,
      phone text,
      phone_verified boolean not null default false,
      password_change_required boolean not null default false,
      password_changed timestamptz,
      machine_name text,
      machine_description text,
      sequence integer not null,
      position bigint not null,
      creation_date timestamptz not null,
      change_date timestamptz not null
    )`.execute(db);
  await sql`create index users_v1_owner on users_v1 (resource_owner)`.execute(db);
  await sql`create index users_v1_username on users_v1 (lower(username))`.execute(db);
  await sql`create index users_v1_email on users_v1 (lower(email))`.execute(db);
  await sql`create index users_v1_creation on users_v1 (creation_date, id)`.execute(db);

  await sql`
    create table orgs_v1 (
      id text primary key,
      resource_owner text not null,
      name text not null,
      state text not null,
      primary_domain text not null,
      sequence integer not null,
      position bigint not null,
      creation_date timestamptz not null,
      change_date timestamptz not null
    )`.execute(db);

  await sql`
    create table org_members_v1 (
      org_id text not null,
      user_id text not null,
      roles jsonb not null,
      primary key (org_id, user_id)
    )`.execute(db);
  await sql`create index org_members_v1_user on org_members_v1 (user_id)`.execute(db);

  await sql`
    create table instance_members_v1 (
      user_id text primary key,
      roles jsonb not null
    )`.execute(db);

  await sql`
    create table personal_access_tokens_v1 (
      token_hash text primary key,
      token_id text not null unique,
      user_id text not null,
      expiration timestamptz,
      created_at timestamptz not null
    )`.execute(db);
  await sql`create index personal_access_tokens_v1_user on personal_access_tokens_v1 (user_id)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("the initial schema is not reversible");
}

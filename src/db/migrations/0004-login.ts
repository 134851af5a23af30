import { type Kysely, sql } from "kysely";

/** Login: sessions and what decides whether sessions still authenticate. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // sessions_v1: one row per live (not deleted) session, found by its token's hash when authenticating.
  await sql`
    create table sessions_v1 (
      id text primary key,
      user_id text not null,
      token_hash text not null unique,
      created_position bigint not null,
      user_checked_at timestamptz not null,
      password_checked_at timestamptz,
      expiration timestamptz,
      metadata jsonb not null,
      resource_owner text not null,
      sequence integer not null,
      position bigint not null,
      creation_date timestamptz not null,
      change_date timestamptz not null
    )`.execute(db);
  await sql`create index sessions_v1_user on sessions_v1 (user_id)`.execute(db);

  // A session authenticates only if it was created after the last event that disabled its user (locked,
  // deactivated) or its organization (deactivated): positions, not clocks, so ties cannot happen.
  await sql`
    create table user_login_states_v1 (
      user_id text primary key,
      sessions_valid_after bigint not null,
      policy_locked_at timestamptz
    )`.execute(db);
  await sql`create index user_login_states_v1_policy_locks on user_login_states_v1 (policy_locked_at) where policy_locked_at is not null`.execute(db);

  await sql`
    create table org_login_states_v1 (
      org_id text primary key,
      sessions_valid_after bigint not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table org_login_states_v1`.execute(db);
  await sql`drop table user_login_states_v1`.execute(db);
  await sql`drop table sessions_v1`.execute(db);
}

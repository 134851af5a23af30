import { type Kysely, sql } from "kysely";

/**
 * The /v1 surface's token bucket per API key, shared by every instance on the database: the tokens left
 * and when they were counted (milliseconds since the epoch, by the instances' clocks). One row per API key
 * that ever called, so the table stays as small as the key list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table v1_rate_limits (
      api_key_id text primary key,
      tokens double precision not null,
      counted_at_ms double precision not null,
      last_taken boolean not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table v1_rate_limits`.execute(db);
}

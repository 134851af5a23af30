import { type Kysely, sql } from "kysely";

/**
 * One row per background job that must run in one place at a time (the lockout sweep, and any later job
 * that is "once" rather than per row): who holds it and until when. Operational state, not derived from
 * events; the holder renews it on every run and a killed holder's lease simply expires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table job_leases (
      job text primary key,
      holder text not null,
      expires_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table job_leases`.execute(db);
}

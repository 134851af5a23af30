import { type Kysely, sql } from "kysely";

/**
 * A target's due deliveries in claim order (next attempt, then log position): the claim reads them from
 * here and stops at its limit, instead of reading every pending delivery of every target due by now and
 * sorting them (all of one scan share one next_attempt_at, so a sort on it alone could not stop early).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index deliveries_target_due on deliveries (target_id, next_attempt_at, position) where state = 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index deliveries_target_due`.execute(db);
}

import { type Kysely, sql } from "kysely";

/** History and streams of one organization read its events in commit order (transaction, position). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists events_owner_commit_order on events (resource_owner, transaction_id, position)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists events_owner_commit_order`.execute(db);
}

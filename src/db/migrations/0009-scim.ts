import { type Kysely, sql } from "kysely";

/**
 * SCIM's externalId on users_v1. Existing users have none (only SCIM sets it), so no backfill. IdPs look
 * users up by it (`filter=externalId eq "…"`) within one organization, hence the index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users_v1 add column external_id text`.execute(db);
  await sql`create index users_v1_owner_external_id on users_v1 (resource_owner, external_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index users_v1_owner_external_id`.execute(db);
  await sql`alter table users_v1 drop column external_id`.execute(db);
}

import { type Kysely, sql } from "kysely";

/**
 * Primary domains became unique claims (scope `org_domain`), like usernames. Organizations created before
 * hold no claim yet: claim their domains now, oldest first, so where two already share a domain the older
 * one keeps it (lookups by domain go through the claim, so they stay unambiguous).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    insert into unique_claims (scope, value, aggregate_id)
    select 'org_domain', primary_domain, id from orgs_v1 where state <> 'removed' order by creation_date, id
    on conflict do nothing`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from unique_claims where scope = 'org_domain'`.execute(db);
}

import { type Kysely, sql } from "kysely";

/**
 * users_v1 learns since when a user is idle (creation, reactivation or the end of its last activity day)
 * and whether it is exempt from inactivity policies. Before this migration no activity was recorded, so
 * an existing user is idle since its last reactivation, else its creation — what a rebuild yields too.
 * The partial index serves the inactivity sweep and the preview: one organization's users by idle time,
 * only those a policy could deactivate.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users_v1 add column idle_since timestamptz`.execute(db);
  await sql`alter table users_v1 add column lifecycle_exempt boolean not null default false`.execute(db);
  await sql`
    update users_v1 u set idle_since = coalesce(
      (select max(e.created_at) from events e
        where e.aggregate_type = 'user' and e.aggregate_id = u.id and e.type = 'user.reactivated'),
      u.creation_date)`.execute(db);
  await sql`alter table users_v1 alter column idle_since set not null`.execute(db);
  await sql`create index users_v1_owner_idle_since on users_v1 (resource_owner, idle_since) where state in ('active', 'locked')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index users_v1_owner_idle_since`.execute(db);
  await sql`alter table users_v1 drop column lifecycle_exempt`.execute(db);
  await sql`alter table users_v1 drop column idle_since`.execute(db);
}

import { type Kysely, sql } from "kysely";

/**
 * aggregate_snapshots: per stream, the folded state, its version and the first event's owner and date,
 * written with every append so a command loads one row instead of its history. Frozen SQL: it fills nothing
 * (a fill would fold events with today's domain code). A stream without a current snapshot is folded from
 * the log on load, and its next append writes one.
 * Every command rewrites its row: free space on each page (fillfactor) lets PostgreSQL update in place
 * without touching the index (HOT updates).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table aggregate_snapshots (
      aggregate_type text not null,
      aggregate_id text not null,
      schema_version integer not null,
      version integer not null,
      state jsonb not null,
      resource_owner text not null,
      creation_date timestamptz not null,
      primary key (aggregate_type, aggregate_id)
    ) with (fillfactor = 70)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table aggregate_snapshots`.execute(db);
}

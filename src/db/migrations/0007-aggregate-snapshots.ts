import { type Kysely, sql } from "kysely";
import { apiKeyAggregate } from "../../domain/api-key/state.js";
import { instanceAggregate } from "../../domain/instance/instance.js";
import { orgAggregate } from "../../domain/org/state.js";
import { sessionAggregate } from "../../domain/session/state.js";
import { lockoutSettingsAggregate } from "../../domain/settings/lockout.js";
import { userAggregate } from "../../domain/user/state.js";
import { backfillSnapshots } from "../../eventstore/snapshot-backfill.js";

/**
 * aggregate_snapshots: per stream, the folded state, its version and the first event's owner and date,
 * written with every append so a command loads one row instead of its history (issue 10). Backfilled
 * from the existing events; a stream without a current snapshot is still folded from the log on load.
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
  await backfillSnapshots(db as Kysely<any>, [userAggregate, orgAggregate, instanceAggregate, sessionAggregate, apiKeyAggregate, lockoutSettingsAggregate]);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table aggregate_snapshots`.execute(db);
}

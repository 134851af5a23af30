import { type Migration, type MigrationProvider, Migrator } from "kysely";
import type { Db } from "./database.js";
import * as initial from "./migrations/0001-initial.js";
import * as v1Surface from "./migrations/0003-v1-surface.js";
import * as login from "./migrations/0004-login.js";
import * as listIndexes from "./migrations/0005-list-indexes.js";
import * as orgDomainClaims from "./migrations/0006-org-domain-claims.js";
import * as aggregateSnapshots from "./migrations/0007-aggregate-snapshots.js";
import * as eventReads from "./migrations/0008-event-reads.js";
import * as scim from "./migrations/0009-scim.js";
import * as usernamePrefixIndex from "./migrations/0010-username-prefix-index.js";
import * as userActivity from "./migrations/0015-user-activity.js";
import * as lifecycleSchedules from "./migrations/0016-lifecycle-schedules.js";

const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0003-v1-surface": v1Surface,
  "0004-login": login,
  "0005-list-indexes": listIndexes,
  "0006-org-domain-claims": orgDomainClaims,
  "0007-aggregate-snapshots": aggregateSnapshots,
  "0008-event-reads": eventReads,
  "0009-scim": scim,
  "0010-username-prefix-index": usernamePrefixIndex,
  "0015-user-activity": userActivity,
  "0016-lifecycle-schedules": lifecycleSchedules,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the schema up to date. Kysely takes a PostgreSQL advisory lock for the run, so several
 * instances starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Db): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const which = failed ? `migration ${failed.migrationName}` : "migrations";
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${which} failed: ${why}`, { cause: error });
  }
}

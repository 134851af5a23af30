import { CompiledQuery, type Migration, type MigrationProvider, Migrator } from "kysely";
import type { Db } from "./database.js";
import { pinnedKysely } from "./pinned-connection.js";
import * as initial from "./migrations/0001-initial.js";
import * as v1Surface from "./migrations/0003-v1-surface.js";
import * as login from "./migrations/0004-login.js";
import * as listIndexes from "./migrations/0005-list-indexes.js";
import * as orgDomainClaims from "./migrations/0006-org-domain-claims.js";
import * as aggregateSnapshots from "./migrations/0007-aggregate-snapshots.js";
import * as eventReads from "./migrations/0008-event-reads.js";
import * as scim from "./migrations/0009-scim.js";
import * as usernamePrefixIndex from "./migrations/0010-username-prefix-index.js";
import * as jobLeases from "./migrations/0017-job-leases.js";
import * as v1RateLimits from "./migrations/0018-v1-rate-limits.js";
import * as actions from "./migrations/0013-actions.js";
import * as delivery from "./migrations/0014-delivery.js";
import * as userActivity from "./migrations/0015-user-activity.js";
import * as lifecycleSchedules from "./migrations/0016-lifecycle-schedules.js";
import * as deliveryClaimOrder from "./migrations/0020-delivery-claim-order.js";

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
  "0017-job-leases": jobLeases,
  "0018-v1-rate-limits": v1RateLimits,
  "0013-actions": actions,
  "0014-delivery": delivery,
  "0015-user-activity": userActivity,
  "0016-lifecycle-schedules": lifecycleSchedules,
  "0020-delivery-claim-order": deliveryClaimOrder,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Any fixed number; only migrations take it. */
const MIGRATION_LOCK = 7_301_220_017;

/**
 * Brings the schema up to date, in ONE transaction that first takes a transaction-scoped advisory lock, so
 * several instances starting at once apply each migration exactly once, and nothing is left locked behind a
 * transaction-pooling PgBouncer (kysely's own lock is session-level). A failed migration rolls back whole.
 */
export async function migrateToLatest(db: Db): Promise<void> {
  await db.getExecutor().provideConnection(async (connection) => {
    await connection.executeQuery(CompiledQuery.raw("begin"));
    try {
      await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${MIGRATION_LOCK})`));
      const { error, results } = await new Migrator({ db: pinnedKysely(connection), provider, disableTransactions: true }).migrateToLatest();
      const failed = results?.find((r) => r.status === "Error");
      if (error || failed) {
        const which = failed ? `migration ${failed.migrationName}` : "migrations";
        const why = error instanceof Error ? error.message : String(error);
        throw new Error(`${which} failed: ${why}`, { cause: error });
      }
      await connection.executeQuery(CompiledQuery.raw("commit"));
    } catch (error) {
      await connection.executeQuery(CompiledQuery.raw("rollback")).catch(() => {});
      throw error;
    }
  });
}

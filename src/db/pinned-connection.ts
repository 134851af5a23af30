import { type DatabaseConnection, type Driver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";

/** The migration lock is the caller's: a transaction-scoped advisory lock taken before the migrator runs. */
class CallerLockedAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

/**
 * A Kysely whose every query runs on `connection`, which the caller has already put inside a transaction
 * (so nothing here begins, commits or locks). Lets kysely's Migrator run inside one transaction that holds a
 * transaction-scoped lock: its own lock is session-level, which a transaction-pooling proxy (PgBouncer) would
 * leave behind on whichever server connection happened to run it.
 */
export function pinnedKysely<DB>(connection: DatabaseConnection): Kysely<DB> {
  const refuse = async () => {
    throw new Error("already inside the caller's transaction");
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: refuse,
    commitTransaction: refuse,
    rollbackTransaction: refuse,
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new CallerLockedAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

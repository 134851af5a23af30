import { recoverInstanceOwner } from "../commands/instance.js";
import { configFromEnv } from "../config.js";
import { migrateToLatest } from "../db/migrate.js";
import { DomainError } from "../domain/errors.js";
import { EventStore } from "../eventstore/event-store.js";
import { createIdGenerator } from "../ids.js";
import { projections } from "../projections/registry.js";
import { openDatabaseForCli } from "./open-database.js";
import { parseCli } from "./usage.js";

const HELP = `usage: npm run admin:recover

The way back in when no instance owner can sign in. On the server's database (DATABASE_URL or DATA_DIR) it
creates a new machine user holding IAM_OWNER with a personal access token, in the instance's first
organization, which it reactivates if it was deactivated. The events name "system:admin-recover" as their
creator. The token is the last line of stdout, and is shown nowhere else.

With PostgreSQL this works while the server runs. With PGlite (no DATABASE_URL) stop the server first: its
data directory belongs to one process at a time.`;

parseCli(process.argv.slice(2), HELP, { positionals: 0 });
const config = configFromEnv();
const database = await openDatabaseForCli(config, "admin:recover needs the PGlite data directory to itself: stop the server first, then run it again.");
let exitCode = 0;
try {
  await migrateToLatest(database.db);
  const store = new EventStore(database.db, projections, () => new Date());
  const owner = await recoverInstanceOwner({ store, newId: createIdGenerator(), now: () => new Date() });
  if (owner.reactivatedOrg) console.log(`reactivated organization ${owner.orgId}`);
  if (owner.createdOrg) console.log(`the first organization was removed: created organization ${owner.orgId}`);
  console.log(`created instance owner ${owner.userId} (IAM_OWNER) in organization ${owner.orgId}; its personal access token follows`);
  console.log(owner.token);
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`${error.message} (${error.id})`);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);

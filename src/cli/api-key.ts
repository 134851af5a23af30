import { createApiKey, revokeApiKeyById } from "../api/api-key-v1/commands.js";
import { configFromEnv } from "../config.js";
import { openDatabaseForCli } from "./open-database.js";
import { migrateToLatest } from "../db/migrate.js";
import { DomainError } from "../domain/errors.js";
import { EventStore } from "../eventstore/event-store.js";
import { createIdGenerator } from "../ids.js";
import { projections } from "../projections/registry.js";

// `npm run api-key -- add <name> [--org <org id>]` / `npm run api-key -- revoke <key id>`: the same commands
// as the ApiKeyService RPC, on the database the server uses (DATABASE_URL / DATA_DIR). With PGlite, stop the
// server first (one process per data directory: the directory is locked). Prints one JSON line; the key is shown only here.
const USAGE = "usage: api-key add <name> [--org <org id>] | api-key revoke <key id>";
const [command, arg, flag, orgId] = process.argv.slice(2);
const valid = (command === "add" && arg && (flag === undefined || (flag === "--org" && orgId))) || (command === "revoke" && arg && !flag);
if (!valid) {
  console.error(USAGE);
  process.exit(2);
}

const config = configFromEnv();
const database = await openDatabaseForCli(config);
let exitCode = 0;
try {
  await migrateToLatest(database.db);
  const store = new EventStore(database.db, projections, () => new Date());
  const context = { creator: "cli" };
  if (command === "add") {
    const { keyId, key } = await createApiKey(store, context, { keyId: createIdGenerator()(), name: arg, orgId });
    console.log(JSON.stringify({ key_id: keyId, key }));
  } else {
    await revokeApiKeyById(store, context, arg);
    console.log(JSON.stringify({ key_id: arg, revoked: true }));
  }
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`${error.message} (${error.id})`);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);

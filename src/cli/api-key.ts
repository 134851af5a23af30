import { createApiKey, revokeApiKeyById } from "../commands/api-keys.js";
import { configFromEnv } from "../config.js";
import { openDatabaseForCli } from "./open-database.js";
import { migrateToLatest } from "../db/migrate.js";
import { DomainError } from "../domain/errors.js";
import { EventStore } from "../eventstore/event-store.js";
import { createIdGenerator } from "../ids.js";
import { projections } from "../projections/registry.js";
import { parseCli, usageError } from "./usage.js";

// `npm run api-key -- add <name> [--org <org id>]` / `npm run api-key -- revoke <key id>`: the same commands
// as the ApiKeyService RPC, on the database the server uses (DATABASE_URL / DATA_DIR). With PGlite, stop the
// server first (one process per data directory: the directory is locked). Prints one JSON line; the key is shown only here.
const HELP = `usage: npm run api-key -- add <name> [--org <org id>]
       npm run api-key -- revoke <key id>

Creates or revokes an API key for the /v1/users surface, on the server's database (DATABASE_URL or
DATA_DIR; with PGlite stop the server first). Prints one JSON line; a new key is shown only here.

  add <name>         create a key; prints {"key_id", "key"}
    --org <org id>   limit the key to one organization
  revoke <key id>    revoke a key
  --help             this text`;

const args = parseCli(process.argv.slice(2), HELP, { options: ["--org"], positionals: 2 });
const [command, arg] = args.positionals;
const orgId = args.options.get("--org");
if (command !== "add" && command !== "revoke") usageError(`unknown command ${command}`, HELP);
if (command === "revoke" && orgId !== undefined) usageError("revoke takes no --org", HELP);

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

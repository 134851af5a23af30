import { configFromEnv } from "../config.js";
import { openDatabaseForCli } from "./open-database.js";
import { migrateToLatest } from "../db/migrate.js";
import { rebuildProjections } from "../projections/rebuild.js";
import { projections } from "../projections/registry.js";

// `npm run projections:rebuild`: same DATABASE_URL / DATA_DIR as the server. With PGlite, stop the
// server first (one process per data directory: the directory is locked); with PostgreSQL it may keep running.
const config = configFromEnv();
const database = await openDatabaseForCli(config);
await migrateToLatest(database.db);
const started = performance.now();
const { events, streams } = await rebuildProjections(database.db, projections);
const seconds = (performance.now() - started) / 1000;
console.log(`rebuilt ${projections.length} read models from ${events} events in ${streams} streams in ${seconds.toFixed(2)} s`);
await database.close();

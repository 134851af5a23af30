import { configFromEnv } from "../config.js";
import { openDatabaseForCli } from "./open-database.js";
import { migrateToLatest } from "../db/migrate.js";
import { rebuildProjections } from "../projections/rebuild.js";
import { projections } from "../projections/registry.js";
import { terminalProgress } from "./progress.js";
import { parseCli } from "./usage.js";

const HELP = `usage: npm run projections:rebuild

Rebuilds every read model from the event log, in one transaction (appends wait until it commits).
Uses the server's database: DATABASE_URL (PostgreSQL; the server may keep running) or DATA_DIR
(PGlite; stop the server first, the directory is locked). On a terminal it shows progress
(events/s, ETA) on stderr; it always ends with one summary line on stdout.

  --help    this text`;

parseCli(process.argv.slice(2), HELP, { positionals: 0 });
const config = configFromEnv();
// No statement timeout: re-creating an index over every row of a large read model is one long statement.
const database = await openDatabaseForCli({ ...config, dbQueryTimeoutMs: 0 });
await migrateToLatest(database.db);
const started = performance.now();
const progress = terminalProgress();
const { events, streams } = await rebuildProjections(database.db, projections, { onProgress: (p) => progress.update(p) });
progress.done();
const seconds = (performance.now() - started) / 1000;
const rate = seconds > 0 ? Math.round(events / seconds) : events;
console.log(`rebuilt ${projections.length} read models from ${events} events in ${streams} streams in ${seconds.toFixed(2)} s (${rate} events/s)`);
await database.close();

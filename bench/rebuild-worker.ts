// Child process of the rebuild workload, so the rebuild's memory is measured on its own.
// Argument: JSON { databaseUrl?: string; generate?: { users: number; eventsPerUser: number } }.
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { rebuildProjections } from "../src/projections/rebuild.js";
import { projections } from "../src/projections/registry.js";
import { generateUserStreams } from "./generate-events.js";
import { withUsage } from "./resources.js";

const options = JSON.parse(process.argv[2] ?? "{}") as { databaseUrl?: string; generate?: { users: number; eventsPerUser: number } };
const database = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: ":memory:" });
await migrateToLatest(database.db);
if (options.generate) await generateUserStreams(database.db, { ...options.generate, orgId: "bench-org" });
const databaseName = options.databaseUrl ? new URL(options.databaseUrl).pathname.slice(1) : undefined;
const started = performance.now();
const { result, rssMb, cpuMs, dbCpuMs } = await withUsage({ pid: process.pid, database: databaseName }, () => rebuildProjections(database.db, projections));
const seconds = (performance.now() - started) / 1000;
await database.close();
process.stdout.write(`${JSON.stringify({ ...result, seconds, rssMb, cpuMs, dbCpuMs })}\n`);

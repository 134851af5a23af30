import cluster from "node:cluster";
import { configFromEnv } from "./config.js";
import { describeFault } from "./db/faults.js";
import { createLogger } from "./logger.js";
import { type App, startApp } from "./server/app.js";
import { announceWorkerReady, runPrimary, workerCount } from "./server/cluster.js";
import { migrateOnly } from "./cli/migrate-only.js";

let app: App | undefined;
let primary = false;

// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then exit. Before the app is up
// (still waiting for the database) there is nothing to drain. With WORKERS > 1 the primary passes the
// signal on to every worker and exits when they have (src/server/cluster.ts).
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (primary) return;
    if (!app) process.exit(0);
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

try {
  const config = configFromEnv();
  if (process.argv[2] === "migrate") {
    await migrateOnly(config, createLogger(config.logLevel));
    process.exit(0);
  }
  const workers = cluster.isPrimary ? workerCount(config, createLogger(config.logLevel)) : 1;
  if (workers > 1) {
    primary = true;
    process.exitCode = await runPrimary(workers, createLogger(config.logLevel));
  } else {
    app = await startApp(config);
    announceWorkerReady();
  }
} catch (error) {
  // One JSON line saying what is wrong, not a stack trace (the stack goes to the field for debugging).
  createLogger("error").error("startup failed", { cause: describeFault(error), stack: error instanceof Error ? error.stack : undefined });
  process.exit(1);
}

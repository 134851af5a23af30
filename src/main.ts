import { configFromEnv } from "./config.js";
import { describeFault } from "./db/faults.js";
import { createLogger } from "./logger.js";
import { type App, startApp } from "./server/app.js";

let app: App | undefined;

// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then exit. Before the app is up
// (still waiting for the database) there is nothing to drain.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (!app) process.exit(0);
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

try {
  const config = configFromEnv();
  app = await startApp(config);
} catch (error) {
  // One JSON line saying what is wrong, not a stack trace (the stack goes to the field for debugging).
  createLogger("error").error("startup failed", { cause: describeFault(error), stack: error instanceof Error ? error.stack : undefined });
  process.exit(1);
}

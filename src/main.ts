import { configFromEnv } from "./config.js";
import { startApp } from "./server/app.js";

const app = await startApp(configFromEnv());

// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then exit.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { Clients } from "../harness/clients.js";
import { havePostgresBinaries, type PrivatePostgres, startPrivatePostgres } from "../harness/private-postgres.js";
import { type Ack, checkConsistency, newFigures, runLoad, seedUsers } from "./load.js";
import { healthStatus, pollUntil, type ServerProcess, startServerProcess } from "./server-process.js";

const TOKEN = "primary-restart-token-0123456789";

// A cluster of this test's own (the shared PostgreSQL must not restart under everyone else's tests).
describe.runIf(process.env.DATABASE_URL && havePostgresBinaries())("the PostgreSQL primary restarts under write load", () => {
  let primary: PrivatePostgres;
  let server: ServerProcess;
  beforeAll(async () => {
    primary = await startPrivatePostgres();
    server = await startServerProcess({ DATABASE_URL: primary.url, ADMIN_TOKEN: TOKEN, DB_CONNECT_TIMEOUT: "1s", DB_QUERY_TIMEOUT: "3s", HEALTH_CHECK_TIMEOUT: "500ms" });
  });
  afterAll(async () => {
    await server?.stop();
    primary?.destroy();
  });

  it("answers Unavailable and /readyz 503 while it is gone, recovers without a restart of the service, loses nothing acknowledged", { timeout: 120_000 }, async () => {
    const userIds = await seedUsers(new Clients(server.url), TOKEN, 6);
    const figures = newFigures();
    const acks: Ack[] = [];
    let done = false;
    const load = runLoad({ url: server.url, token: TOKEN, userIds, total: 240, figures, acks, gapMs: 20 }).finally(() => (done = true));
    await pollUntil(() => figures.acknowledged >= 60, 60_000, 10);
    primary.stop();
    const downAt = Date.now();
    expect(await pollUntil(async () => (await healthStatus(server.url, 3_000)) === 503, 10_000)).toBe(true);
    await pollUntil(() => figures.unavailable >= 6, 15_000, 20);
    const unavailableWhileDown = figures.unavailable;
    primary.start();
    const downMs = Date.now() - downAt;
    expect(await pollUntil(async () => (await healthStatus(server.url, 3_000)) === 200, 30_000)).toBe(true);
    const recoveredAt = figures.acknowledged;
    await load;
    expect(done).toBe(true);

    const database = await openDatabase({ databaseUrl: primary.url, dataDir: ":memory:" });
    try {
      const result = await checkConsistency(database.db, acks);
      console.log(
        `[faults] primary restart (${downMs} ms down): ${figures.sent} commands, ${figures.acknowledged} acknowledged, ${figures.unavailable} Unavailable, ` +
          `${figures.preconditions} resynchronised, ${figures.serverErrors} 5xx; ${result.lost} acknowledged lost; service never restarted`,
      );
      expect(unavailableWhileDown).toBeGreaterThan(0);
      expect(figures.acknowledged).toBeGreaterThan(recoveredAt);
      expect(server.ended()).toBeUndefined();
      expect(result).toEqual({ lost: 0, duplicates: 0, gaps: 0, readModelDiffs: 0 });
      expect(figures.serverErrors + figures.hung).toBe(0);
    } finally {
      await database.close();
    }
  });
});

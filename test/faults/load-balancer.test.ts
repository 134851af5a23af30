import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { Clients } from "../harness/clients.js";
import { createScratchDatabase } from "../harness/databases.js";
import { type Haproxy, haveHaproxy, startHaproxy } from "../harness/haproxy.js";
import { type Ack, checkConsistency, newFigures, runLoad, seedUsers } from "./load.js";
import { ResumingWatcher } from "./resuming-watch.js";
import { freePort, pollUntil, type ServerProcess, startServerProcess } from "./server-process.js";

const TOKEN = "haproxy-admin-token-0123456789";
const WATCHED = ["user.locked", "user.unlocked"];

// deploy/haproxy.cfg in front of three server processes on one PostgreSQL database.
describe.runIf(process.env.DATABASE_URL && haveHaproxy())("three instances behind HAProxy on one PostgreSQL database", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let ports: [number, number, number];
  let env: Record<string, string>;
  const servers: ServerProcess[] = [];
  let lb: Haproxy;
  let userIds: string[];
  const acks: Ack[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    ports = [await freePort(), await freePort(), await freePort()];
    // Twice HAProxy's check interval × fall, so it has taken a stopping instance out before it stops accepting.
    env = { DATABASE_URL: scratch.url, ADMIN_TOKEN: TOKEN, WORKERS: "1", SHUTDOWN_DELAY: "1s" };
    servers.push(...(await Promise.all(ports.map((port) => startServerProcess(env, { port })))));
    lb = await startHaproxy(ports);
    userIds = await seedUsers(new Clients(lb.url), TOKEN, 6);
  });
  afterAll(async () => {
    await lb?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await scratch?.drop();
  });

  it("rolling restart, SIGTERM one at a time under load: zero failed requests; a WatchEvents client resumes on another instance without gaps or duplicates", { timeout: 150_000 }, async () => {
    const watcher = new ResumingWatcher(lb.url, TOKEN, { eventTypes: WATCHED });
    const figures = newFigures();
    let done = false;
    const load = runLoad({ url: lb.url, token: TOKEN, userIds, total: 100_000, figures, acks, stop: () => done });
    for (let i = 0; i < 3; i++) {
      await pollUntil(() => figures.acknowledged >= 25 * (i + 1), 60_000, 20);
      await servers[i].stop();
      expect(servers[i].ended()?.code).toBe(0);
      servers[i] = await startServerProcess(env, { port: ports[i] });
    }
    await pollUntil(() => figures.acknowledged >= 100, 60_000, 20);
    done = true;
    await load;

    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:" });
    try {
      const { rows } = await sql<{ position: number }>`select position from events where type in (${sql.join(WATCHED)})`.execute(database.db);
      const logged = rows.map((r) => BigInt(r.position)).sort();
      await pollUntil(() => watcher.positions.length >= logged.length, 20_000, 50);
      await watcher.stop();
      console.log(
        `[faults] rolling restart of 3 instances behind HAProxy: ${figures.sent} requests, ${figures.sent - figures.acknowledged} failed; ` +
          `watcher resumed ${watcher.resumes} times, ${watcher.positions.length} of ${logged.length} events`,
      );
      expect(watcher.failure).toBeUndefined();
      expect(figures.sent - figures.acknowledged).toBe(0);
      expect(figures.hung + figures.serverErrors).toBe(0);
      expect(watcher.resumes).toBeGreaterThanOrEqual(1);
      expect(new Set(watcher.positions).size).toBe(watcher.positions.length);
      expect([...watcher.positions].sort()).toEqual(logged);
    } finally {
      await database.close();
    }
  });

  it("SIGKILL one instance under load: only its in-flight calls fail, retrying clients succeed, nothing acknowledged is lost", async () => {
    const figures = newFigures();
    let killed = false;
    const load = runLoad({ url: lb.url, token: TOKEN, userIds, total: 180, figures, acks, retries: 5 });
    await pollUntil(() => figures.acknowledged >= 40, 60_000, 10);
    servers[1].child.kill("SIGKILL");
    killed = true;
    await load;
    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:" });
    try {
      const result = await checkConsistency(database.db, acks);
      console.log(
        `[faults] SIGKILL of 1 of 3 instances behind HAProxy: ${figures.sent} commands, ${figures.retried} attempts failed and were retried, ` +
          `${figures.unavailable + figures.network} failed after retries, ${figures.preconditions} resynchronised; ${result.lost} acknowledged lost`,
      );
      expect(killed).toBe(true);
      expect(result).toEqual({ lost: 0, duplicates: 0, gaps: 0, readModelDiffs: 0 });
      expect(figures.unavailable + figures.network + figures.hung + figures.serverErrors).toBe(0);
      // At most one call per client was in flight on the killed instance.
      expect(figures.retried).toBeLessThanOrEqual(userIds.length);
    } finally {
      await database.close();
    }
  });
});

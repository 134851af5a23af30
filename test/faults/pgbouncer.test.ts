import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { Clients } from "../harness/clients.js";
import { createScratchDatabase } from "../harness/databases.js";
import { havePgbouncer, type Pgbouncer, startPgbouncer } from "../harness/pgbouncer.js";
import { type Ack, checkConsistency, newFigures, runLoad, seedUsers } from "./load.js";
import { pollUntil, startServerProcess } from "./server-process.js";

const TOKEN = "pgbouncer-admin-token-0123456789";

// Real PostgreSQL behind Debian's PgBouncer 1.18 (no prepared statements in transaction mode).
describe.runIf(process.env.DATABASE_URL && havePgbouncer())("through PgBouncer in transaction pooling mode (DB_POOL_MODE=transaction)", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let bouncer: Pgbouncer;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    bouncer = await startPgbouncer(scratch.url, { poolSize: 3 });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await scratch?.drop();
  });

  async function terminateBackends(): Promise<number> {
    const admin = new pg.Client({ connectionString: scratch.url, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
      return rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  it("two instances migrate at once, serve write load while server sessions are killed, restart cleanly; nothing acknowledged lost", { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: bouncer.url, DB_POOL_MODE: "transaction", ADMIN_TOKEN: TOKEN, DB_QUERY_TIMEOUT: "5s" };
    const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    const figures = newFigures();
    const acks: Ack[] = [];
    let terminated = 0;
    try {
      const userIds = await seedUsers(new Clients(a.url), TOKEN, 6);
      let done = false;
      const loads = Promise.all([
        runLoad({ url: a.url, token: TOKEN, userIds: userIds.slice(0, 3), total: 120, figures, acks }),
        runLoad({ url: b.url, token: TOKEN, userIds: userIds.slice(3), total: 120, figures, acks }),
      ]).finally(() => (done = true));
      for (let i = 0; i < 2 && !done; i++) {
        await pollUntil(() => done || figures.acknowledged >= 40 * (i + 1), 60_000, 20);
        terminated += await terminateBackends();
      }
      await loads;
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect([a.ended()?.code, b.ended()?.code]).toEqual([0, 0]);
    // A later start migrates through PgBouncer again: no lock was left on any server session.
    const again = await startServerProcess(env);
    await again.stop();

    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:" });
    try {
      const result = await checkConsistency(database.db, acks);
      console.log(
        `[faults] through PgBouncer: ${figures.acknowledged} acknowledged of ${figures.sent}, ${terminated} server sessions killed, ` +
          `${figures.unavailable} Unavailable, ${result.lost} lost, ${figures.serverErrors} 5xx`,
      );
      expect(result).toEqual({ lost: 0, duplicates: 0, gaps: 0, readModelDiffs: 0 });
      expect(figures.acknowledged).toBeGreaterThan(150);
      expect(figures.serverErrors).toBe(0);
      expect(figures.hung).toBe(0);
      expect(terminated).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  });
});

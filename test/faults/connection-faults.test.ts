import { Code } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { openDatabase } from "../../src/db/database.js";
import { Clients } from "../harness/clients.js";
import { type Ack, checkConsistency, type LoadFigures, newFigures, runLoad, seedUsers } from "./load.js";
import { healthStatus, pollUntil, type ServerProcess, startServerProcess } from "./server-process.js";
import { scratchDatabaseBehindProxy, type TcpProxy } from "./tcp-proxy.js";

// Real PostgreSQL only: the faults are in the connection between the server process and its database.
const TOKEN = "faults-admin-token-0123456789";
const QUERY_TIMEOUT_MS = 3_000;
const CONNECT_TIMEOUT_MS = 2_000;
const HEALTH_TIMEOUT_MS = 1_000;
// The longest a failing request may take: a pool wait or connect, then a query (with the client-side
// backstop), plus generous slack for a loaded CI machine.
const FAIL_WITHIN_MS = CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 1_000 + 10_000;

describe.runIf(process.env.DATABASE_URL)("database connection faults under write load (PostgreSQL)", () => {
  let database: Awaited<ReturnType<typeof scratchDatabaseBehindProxy>>;
  let proxy: TcpProxy;
  let server: ServerProcess;
  const acks: Ack[] = [];
  const figures: LoadFigures = newFigures();
  let faults = 0;
  let crashes = 0;

  beforeAll(async () => {
    database = await scratchDatabaseBehindProxy();
    proxy = database.proxy;
    server = await startServerProcess({
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TOKEN,
      DB_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms`,
      DB_QUERY_TIMEOUT: `${QUERY_TIMEOUT_MS}ms`,
      HEALTH_CHECK_TIMEOUT: `${HEALTH_TIMEOUT_MS}ms`,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    console.log(
      `[faults] connection faults: ${figures.sent} commands sent, ${figures.acknowledged} acknowledged, ${faults} faults injected, ` +
        `${figures.unavailable} Unavailable, ${figures.preconditions} resynchronised, ${figures.serverErrors} 5xx, ${figures.hung} hung, ` +
        `${crashes} crashes`,
    );
  });

  async function terminateBackends(): Promise<number> {
    const admin = new pg.Client({ connectionString: database.directUrl, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
      return rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  /** Resolves once `n` more commands are acknowledged (bounded). */
  const afterMoreAcks = (n: number) => {
    const target = figures.acknowledged + n;
    return pollUntil(() => figures.acknowledged >= target || server.ended() !== undefined, 60_000, 20);
  };

  it("survives pg_terminate_backend of its connections under write load; nothing half-written", async () => {
    const userIds = await seedUsers(new Clients(server.url), TOKEN, 6);
    let done = false;
    const load = runLoad({ url: server.url, token: TOKEN, userIds, total: 240, figures, acks, stop: () => done || server.ended() !== undefined }).finally(() => (done = true));
    for (let i = 0; i < 4 && !done; i++) {
      await afterMoreAcks(20);
      if (done) break;
      faults++;
      await terminateBackends();
    }
    await load;
    if (server.ended()) crashes++;
    expect(server.ended(), server.log().slice(-2000)).toBeUndefined();
    expect(await pollUntil(async () => (await healthStatus(server.url)) === 200, 30_000, 200)).toBe(true);
    expect(figures.serverErrors).toBe(0);
    expect(figures.hung).toBe(0);
    expect(figures.acknowledged).toBeGreaterThan(50);
  });

  it("answers Unavailable and /readyz 503 within the timeouts while the network pauses, black-holes or resets; recovers without restart", async () => {
    const clients = new Clients(server.url);
    const userIds = await seedUsers(clients, TOKEN, 4);

    // Pause: bytes stop flowing on every connection, open or new.
    proxy.pause();
    faults++;
    let started = Date.now();
    expect(await healthStatus(server.url)).toBe(503);
    expect(Date.now() - started).toBeLessThan(HEALTH_TIMEOUT_MS + 10_000);
    started = Date.now();
    const paused = await clients.call("grpc", UserService, "lockUser", { userId: userIds[0] }, TOKEN);
    expect(paused).toMatchObject({ ok: false, code: Code.Unavailable });
    expect(Date.now() - started).toBeLessThan(FAIL_WITHIN_MS);
    const restPaused = await fetch(`${server.url}/v2/users/${userIds[1]}/lock`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(FAIL_WITHIN_MS),
    });
    expect(restPaused.status).toBe(503);
    proxy.forward();
    expect(await pollUntil(async () => (await healthStatus(server.url)) === 200, 30_000, 200)).toBe(true);

    // Black hole: connections are accepted and swallowed; the open ones die with a reset.
    proxy.mode = "blackhole";
    proxy.reset();
    faults++;
    started = Date.now();
    expect(await healthStatus(server.url)).toBe(503);
    const holed = await clients.call("connect-json", UserService, "lockUser", { userId: userIds[2] }, TOKEN);
    expect(holed).toMatchObject({ ok: false, code: Code.Unavailable });
    expect(Date.now() - started).toBeLessThan(FAIL_WITHIN_MS + HEALTH_TIMEOUT_MS);
    proxy.mode = "forward";
    expect(await pollUntil(async () => (await healthStatus(server.url)) === 200, 30_000, 200)).toBe(true);

    // Resets and short pauses under write load.
    let done = false;
    const load = runLoad({ url: server.url, token: TOKEN, userIds, total: 200, figures, acks, stop: () => done || server.ended() !== undefined }).finally(() => (done = true));
    for (let i = 0; i < 4 && !done; i++) {
      await afterMoreAcks(15);
      if (done) break;
      faults++;
      if (i % 2 === 0) proxy.reset();
      else {
        proxy.pause();
        await new Promise((r) => setTimeout(r, QUERY_TIMEOUT_MS + 500));
        proxy.forward();
      }
    }
    await load;
    clients.close();

    if (server.ended()) crashes++;
    expect(server.ended(), server.log().slice(-2000)).toBeUndefined();
    expect(await pollUntil(async () => (await healthStatus(server.url)) === 200, 30_000, 200)).toBe(true);
    expect(figures.serverErrors).toBe(0);
    expect(figures.hung).toBe(0);
    expect(Math.max(0, ...figures.failureMs)).toBeLessThan(FAIL_WITHIN_MS);
  });

  it("left every acknowledged command in the log, no gap, no duplicate, read models equal a rebuild", async () => {
    await server.stop();
    const direct = await openDatabase({ databaseUrl: database.directUrl, dataDir: ":memory:" });
    try {
      const result = await checkConsistency(direct.db, acks);
      console.log(`[faults] connection faults consistency: ${acks.length} acknowledged, ${result.lost} lost, ${result.duplicates} duplicates, ${result.gaps} gaps, ${result.readModelDiffs} read-model differences`);
      expect(result).toEqual({ lost: 0, duplicates: 0, gaps: 0, readModelDiffs: 0 });
    } finally {
      await direct.close();
    }
  });
});

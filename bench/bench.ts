import { cpus, loadavg, release, totalmem } from "node:os";
import { sql } from "kysely";
import pg from "pg";
import { openDatabase } from "../src/db/database.js";
import { type ApiClient, apiClient, grpcClient, protocols } from "./clients.js";
import { createScratchDatabase } from "./database.js";
import { generatedUserId, generateUserStreams } from "./generate-events.js";
import { runLifecycle } from "./lifecycle.js";
import { openLimit } from "./limit.js";
import { peakRssMb, withUsage } from "./resources.js";
import type { PassResult } from "./stats.js";
import { runNoop } from "./noop.js";
import { openPeer } from "./peer.js";
import { runGetUserById, runListUsers, runListUsersFirstPage } from "./reads.js";
import { runRebuild } from "./rebuild.js";
import type { BenchResults, DatabaseKind, Row, Sizes } from "./report.js";
import { seedUsers } from "./seed.js";
import { addLongHistories } from "./history.js";
import { issueTargets } from "./targets.js";
import type { Db } from "../src/db/database.js";
import { type ServerProcess, startServer } from "./server.js";

export interface BenchOptions {
  mode: "quick" | "full";
  /** PostgreSQL server to create the scratch database on; PGlite only without it. */
  databaseUrl?: string;
  sizes: Partial<Record<DatabaseKind, Sizes>>;
  /** Write V8 CPU profiles of the server processes here. */
  cpuProfileDir?: string;
  log?: (line: string) => void;
}

export const defaultSizes: Record<"quick" | "full", Record<DatabaseKind, Sizes>> = {
  full: {
    postgres: { users: 10_000, concurrency: 32, readOps: 20_000, listUsers: 100_000, listOps: 1_000, rebuildEvents: 1_000_000, pacedSeconds: 30 },
    pglite: { users: 1_000, concurrency: 32, readOps: 5_000, listUsers: 1_000, listOps: 200, rebuildEvents: 100_000, pacedSeconds: 0 },
  },
  quick: {
    postgres: { users: 100, concurrency: 32, readOps: 500, listUsers: 2_000, listOps: 30, rebuildEvents: 20_000, pacedSeconds: 2 },
    pglite: { users: 50, concurrency: 16, readOps: 200, listUsers: 50, listOps: 10, rebuildEvents: 10_000, pacedSeconds: 0 },
  },
};

type Ctx = { rows: Row[]; results: BenchResults; log: (line: string) => void };

/** Who a pass is measured on: the server process (RSS, CPU) and/or the database's backends (CPU). */
type Watch = { server?: { pid: number | number[]; exited(): string | undefined }; database?: string };

/** Runs one measured pass, recording peak server RSS and the CPU per operation of each process involved. */
async function pass(ctx: Ctx, watch: Watch, row: Pick<Row, "database" | "workload" | "variant" | "note">, work: () => Promise<PassResult | undefined | { skipped: string }>) {
  ctx.log(`${row.database} ${row.workload} ${row.variant} …`);
  const clientCpu = process.cpuUsage();
  const usage = await withUsage({ pid: watch.server?.pid, database: watch.database }, work);
  const { user, system } = process.cpuUsage(clientCpu);
  const result = usage.result;
  if (!result || "skipped" in result) {
    ctx.rows.push({ ...row, skipped: result?.skipped ?? "no result" });
    return undefined;
  }
  const perOp = (ms: number | undefined) => (ms === undefined ? undefined : Number((ms / result.ops).toFixed(3)));
  ctx.rows.push({
    ...row,
    result,
    serverRssMb: usage.rssMb,
    serverCpuMsPerOp: perOp(usage.cpuMs),
    clientCpuMsPerOp: perOp((user + system) / 1000),
    dbCpuMsPerOp: perOp(usage.dbCpuMs),
  });
  if (result.errors) throw new Error(`${row.database} ${row.workload} ${row.variant}: ${result.errors} errors, first: ${result.firstError}\n${watch.server?.exited() ?? ""}`);
  return result;
}

/**
 * ListUsers as its target states it (the first page, its own row) and, as an extra row, pages
 * spread over every matching user, deep offsets included.
 */
async function listUsersPasses(ctx: Ctx, watch: Watch, database: DatabaseKind, users: number, grpc: ApiClient, prefix: string, ops: number, concurrency: number) {
  await pass(ctx, watch, { database, workload: "read", variant: `ListUsers first page grpc (${users} users)` }, () => runListUsersFirstPage(grpc, prefix, ops, concurrency));
  await pass(ctx, watch, { database, workload: "read", variant: `ListUsers spread pages grpc (${users} users)`, note: "offsets over every match" }, () =>
    runListUsers(grpc, prefix, ops, concurrency),
  );
}

type Server = ServerProcess;
type Seeded = Awaited<ReturnType<typeof seedUsers>>;

/**
 * The service's own passes, the same on both databases: seed, lifecycle per protocol, transport ceiling.
 * `baselines` runs right after the gRPC lifecycle pass, so ours and the baselines see the same machine.
 */
async function serviceWorkloads(
  ctx: Ctx,
  database: DatabaseKind,
  sizes: Sizes,
  watch: Watch & { server: Server },
  grpc: ApiClient,
  baselines?: (seeded: Seeded) => Promise<void>,
  afterSeed?: () => Promise<void>,
) {
  const { server } = watch;
  const C = sizes.concurrency;
  let seeded!: Seeded;
  await pass(ctx, watch, { database, workload: "seed", variant: "AddHumanUser grpc" }, async () => {
    seeded = await seedUsers(grpc, sizes.users, C);
    return seeded.pass;
  });
  await afterSeed?.();
  const opsPerSec: Record<string, number> = {};
  for (const protocol of protocols) {
    const client = protocol === "grpc" ? grpc : apiClient(protocol, server.url, server.adminToken);
    const r = await pass(ctx, watch, { database, workload: "lifecycle", variant: protocol }, () => runLifecycle(client, seeded.userIds, { concurrency: C }));
    opsPerSec[protocol] = r?.opsPerSec ?? 0;
    if (protocol === "grpc") await baselines?.(seeded);
    // Health has no REST binding: the transport ceiling is measured on the two RPC protocols.
    if (protocol !== "rest") {
      const noop = await pass(ctx, watch, { database, workload: "no-op Health/Check", variant: protocol }, () => runNoop(client, sizes.users * 4, C));
      opsPerSec[`noop-${protocol}`] = noop?.opsPerSec ?? 0;
    }
    if (client !== grpc) client.close();
  }
  return { seeded, opsPerSec };
}

/**
 * Cost independent of history: the same cycle on fresh users and, right after, on as many users with
 * a long history each (1,000 events by default).
 */
async function historyWorkloads(ctx: Ctx, sizes: Sizes, watch: Watch, grpc: ApiClient, db: Db) {
  const database = "postgres" as const;
  const count = sizes.historyUsers ?? Math.min(sizes.users, 1_000);
  const events = sizes.historyEvents ?? 1_000;
  const users = await seedUsers(grpc, 2 * count, sizes.concurrency);
  const fresh = users.userIds.slice(0, count);
  const long = users.userIds.slice(count);
  ctx.log(`postgres: giving ${count} users ${events} prior events each`);
  await addLongHistories(db, long, events);
  await sql`analyze`.execute(db);
  await pass(ctx, watch, { database, workload: "lifecycle", variant: "grpc, fresh users" }, () => runLifecycle(grpc, fresh, { concurrency: sizes.concurrency }));
  await pass(ctx, watch, { database, workload: "lifecycle", variant: `grpc, users with ${events} prior events` }, () =>
    runLifecycle(grpc, long, { concurrency: sizes.concurrency }),
  );
}

/** A second server process on the same database; the clients' calls alternate between the two. */
async function twoServers(ctx: Ctx, sizes: Sizes, first: Server, scratch: { name: string; url: string }, grpc: ApiClient, userIds: readonly string[], cpuProfileDir?: string) {
  const database = "postgres" as const;
  const second = await startServer({ databaseUrl: scratch.url, adminToken: first.adminToken, cpuProfileDir });
  const grpc2 = grpcClient(second.url, first.adminToken);
  let next = 0;
  const both: ApiClient = { call: (...args) => (next++ % 2 ? grpc2 : grpc).call(...args), close: () => {} };
  const watch = { server: { pid: [first.pid, second.pid], exited: () => first.exited() ?? second.exited() }, database: scratch.name };
  try {
    const r = await pass(ctx, watch, { database, workload: "lifecycle", variant: "grpc, two servers on one database", note: "server CPU: both" }, () =>
      runLifecycle(both, userIds, { concurrency: sizes.concurrency }),
    );
    const one = ctx.rows.find((row) => row.database === database && row.workload === "lifecycle" && row.variant === "grpc")?.result;
    if (r && one) ctx.results.ratios.push({ database, name: "two servers / one server (lifecycle grpc ops/s)", value: Number((r.opsPerSec / one.opsPerSec).toFixed(3)) });
  } finally {
    grpc2.close();
    await second.stop();
  }
}

async function runPostgres(ctx: Ctx, baseUrl: string, sizes: Sizes, cpuProfileDir?: string) {
  const database = "postgres" as const;
  const C = sizes.concurrency;
  const scratch = await createScratchDatabase(baseUrl);
  ctx.log(`postgres: scratch database ${scratch.name}`);
  const server = await startServer({ databaseUrl: scratch.url, cpuProfileDir });
  ctx.log("postgres: server started");
  const { db } = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:", poolSize: 2 });
  const grpc = grpcClient(server.url, server.adminToken);
  const serverWatch = { server, database: scratch.name };
  // The baselines run in this process: only the database's CPU is theirs to watch.
  const watch = { database: scratch.name };
  try {
    let limit: Row["result"];
    let peer: Row["result"];
    const { seeded, opsPerSec } = await serviceWorkloads(ctx, database, sizes, serverWatch, grpc, async (seeded) => {
      const baseline = openLimit(scratch.url);
      try {
        limit = await pass(ctx, watch, { database, workload: "baseline: limit", variant: "pg, 5 statements" }, () => baseline.run(seeded.userIds, C, "bench-limit"));
        await pass(ctx, watch, { database, workload: "baseline: limit", variant: "pg, 2 statements (CTE append)", note: "informational" }, () =>
          baseline.run(seeded.userIds, C, "bench-limit", 2),
        );
      } finally {
        await baseline.close();
      }
      const emmett = await openPeer(scratch.url, seeded.userIds, C);
      try {
        ctx.rows.push({ database, workload: "baseline: peer", variant: "Emmett seed append", result: emmett.seed });
        peer = await pass(ctx, watch, { database, workload: "baseline: peer", variant: "Emmett in-process" }, () => emmett.run());
      } finally {
        await emmett.close();
      }
    }, async () => {
      // What autovacuum does on a running server (this machine's PostgreSQL has it off): the passes after
      // the seed, ours and the baselines alike, meet tables with statistics and without 10,000 inserts' debris.
      ctx.log("postgres: vacuum analyze after the seed");
      await sql`vacuum analyze`.execute(db);
    });

    const half = Math.max(1, Math.round(opsPerSec.grpc / 2));
    const pacedUsers = seeded.userIds.slice(0, Math.max(C, Math.round((half * sizes.pacedSeconds) / 4)));
    await pass(ctx, serverWatch, { database, workload: "lifecycle", variant: `grpc at 50% (${half}/s)`, note: "open loop" }, () =>
      runLifecycle(grpc, pacedUsers, { concurrency: C, rate: half }),
    );

    await historyWorkloads(ctx, sizes, serverWatch, grpc, db);
    await twoServers(ctx, sizes, server, scratch, grpc, seeded.userIds, cpuProfileDir);

    const existing = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(db)).rows[0].n);
    const users = Math.max(0, sizes.listUsers - sizes.users) || Math.ceil(Math.max(0, sizes.rebuildEvents - existing) / 10);
    const eventsPerUser = Math.max(2, (sizes.rebuildEvents - existing) / users);
    ctx.log(`postgres: generating ${users} user streams (~${eventsPerUser.toFixed(1)} events each) next to ${existing} events`);
    const generated = await generateUserStreams(db, { users, eventsPerUser, orgId: seeded.orgId });
    await sql`analyze`.execute(db);

    ctx.log("postgres rebuild …");
    ctx.results.rebuild.push({ database, ...(await runRebuild({ databaseUrl: scratch.url })) });

    const allIds = [...seeded.userIds, ...Array.from({ length: generated.users }, (_, i) => generatedUserId(generated, i + 1))];
    await pass(ctx, serverWatch, { database, workload: "read", variant: "GetUserByID grpc" }, () => runGetUserById(grpc, allIds, sizes.readOps, C));
    await listUsersPasses(ctx, serverWatch, database, allIds.length, grpc, generated.usernamePrefix, sizes.listOps, C);

    const ratio = (name: string, value: number) => ctx.results.ratios.push({ database, name, value: Number(value.toFixed(3)) });
    for (const protocol of protocols) ratio(`ours(${protocol})/limit`, opsPerSec[protocol] / (limit?.opsPerSec ?? 1));
    for (const protocol of protocols) ratio(`ours(${protocol})/peer`, opsPerSec[protocol] / (peer?.opsPerSec ?? 1));
    ratio("ours(grpc)/no-op(grpc)", opsPerSec.grpc / opsPerSec["noop-grpc"]);
  } finally {
    grpc.close();
    ctx.results.serverPeakRssMb.postgres = peakRssMb(server.pid);
    await server.stop();
    await db.destroy();
    await scratch.drop();
    ctx.log("postgres: server stopped, scratch database dropped");
  }
}

/**
 * PGlite: the service passes only. The limit and the peer need a PostgreSQL connection, and this
 * database lives inside the server process. In quick mode the slow parts (PGlite start-ups) overlap.
 */
async function runPglite(ctx: Ctx, sizes: Sizes, starting: Promise<ServerProcess>, quick: boolean) {
  const database = "pglite" as const;
  const rebuildOptions = { generate: { users: Math.ceil(sizes.rebuildEvents / 10), eventsPerUser: 10 } };
  const rebuilding = quick ? runRebuild(rebuildOptions) : undefined;
  rebuilding?.catch(() => {});
  const server = await starting;
  ctx.log("pglite: server started");
  const grpc = grpcClient(server.url, server.adminToken);
  try {
    const { seeded } = await serviceWorkloads(ctx, database, sizes, { server }, grpc);
    await pass(ctx, { server }, { database, workload: "read", variant: "GetUserByID grpc" }, () => runGetUserById(grpc, seeded.userIds, sizes.readOps, sizes.concurrency));
    await listUsersPasses(ctx, { server }, database, seeded.userIds.length, grpc, "bench-", sizes.listOps, sizes.concurrency);
  } finally {
    grpc.close();
    ctx.results.serverPeakRssMb.pglite = peakRssMb(server.pid);
    await server.stop();
    ctx.log("pglite: server stopped");
  }
  ctx.log("pglite rebuild …");
  ctx.results.rebuild.push({ database, ...(await (rebuilding ?? runRebuild(rebuildOptions))) });
}

async function machine(databaseUrl?: string): Promise<Record<string, string | number>> {
  const info: Record<string, string | number> = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.versions.node,
    loadAverageAtStart: loadavg()[0].toFixed(2),
  };
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    info.postgres = ((await client.query("show server_version")).rows[0].server_version as string).split(" ")[0].replace(/^/, "PostgreSQL ");
    await client.end();
  }
  return info;
}

/** Runs every workload on PostgreSQL (when a URL is given) and on PGlite, and returns the results. */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const results: BenchResults = {
    version: 1,
    mode: options.mode,
    startedAt: new Date(started).toISOString(),
    durationSeconds: 0,
    machine: await machine(options.databaseUrl),
    sizes: options.sizes,
    rows: [],
    rebuild: [],
    ratios: [],
    serverPeakRssMb: {},
    checks: [],
    notes: [],
  };
  const ctx: Ctx = { rows: results.rows, results, log };
  const quick = options.mode === "quick";
  const startPglite = () => startServer({ cpuProfileDir: options.cpuProfileDir });
  // Quick mode only: the PGlite server starts while PostgreSQL runs; a full run keeps them apart.
  let pglite = quick && options.sizes.pglite ? startPglite() : undefined;
  pglite?.catch(() => {});
  try {
    if (options.databaseUrl && options.sizes.postgres) await runPostgres(ctx, options.databaseUrl, options.sizes.postgres, options.cpuProfileDir);
    else results.notes.push("postgres: skipped (DATABASE_URL not set)");
  } catch (error) {
    await pglite?.then((server) => server.stop(), () => {});
    throw error;
  }
  if (options.sizes.pglite) await runPglite(ctx, options.sizes.pglite, (pglite ??= startPglite()), quick);

  results.checks.push(...issueTargets(results));
  if (options.mode === "quick") results.notes.push("quick mode: sizes too small for the figures to mean anything; targets are judged on a full run only");
  results.notes.push(
    "no-op = grpc.health.v1.Health/Check (public, one `select 1`); limit = the command's SQL issued directly with pg (BEGIN, version read, insert event, update read model, COMMIT; the 2-statement row does the same as a version read plus one CTE statement); peer = Emmett 0.42 (emmett-postgresql, inline raw-SQL projection, our deciders) called in-process, without RPC or auth",
  );
  results.machine.loadAverageAtEnd = loadavg()[0].toFixed(2);
  // Other work on the machine depresses throughput; CPU per operation is the figure that survives it.
  if (Number(results.machine.loadAverageAtStart) > Number(results.machine.cpus) / 2) {
    results.notes.push(`the machine was not idle when the run started (1-min load average ${results.machine.loadAverageAtStart} on ${results.machine.cpus} cores): throughput figures are depressed; compare CPU ms/op`);
  }
  results.durationSeconds = Math.round((Date.now() - started) / 100) / 10;
  return results;
}

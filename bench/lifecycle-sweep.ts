// `DATABASE_URL=… npx tsx bench/lifecycle-sweep.ts [--users 100000] [--due-percent 10] [--concurrency 16]
//   [--workers 2] [--seed-concurrency 64]`
// The inactivity sweep over a large organization: how long it takes, what it costs the database, and how
// much it slows lifecycle commands running at the same time. Not part of `npm run bench` (its seed alone
// takes minutes); results go to bench/results/lifecycle-sweep.json.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { addHumanUser } from "../src/domain/user/create.js";
import { orgAggregate } from "../src/domain/org/state.js";
import { userAggregate } from "../src/domain/user/state.js";
import { lifecyclePolicyAggregate, setInactivityPolicy } from "../src/domain/lifecycle-policy/policy.js";
import { EventStore } from "../src/eventstore/event-store.js";
import { createLogger } from "../src/logger.js";
import { projections } from "../src/projections/registry.js";
import { startApp } from "../src/server/app.js";
import { grpcClient } from "./clients.js";
import { createScratchDatabase } from "./database.js";
import { runLifecycle } from "./lifecycle.js";
import { withUsage } from "./resources.js";
import { measure, type PassResult } from "./stats.js";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    "due-percent": { type: "string", default: "10" },
    concurrency: { type: "string", default: "16" },
    workers: { type: "string", default: "2" },
    "seed-concurrency": { type: "string", default: "64" },
    "load-users": { type: "string", default: "2000" },
  },
});
const users = Number(values.users);
const duePercent = Number(values["due-percent"]);
const concurrency = Number(values.concurrency);
const DAY = 86_400_000;
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const base = process.env.DATABASE_URL;
if (!base) throw new Error("set DATABASE_URL (PostgreSQL): the sweep's cost is measured on the database's backends");
const scratch = await createScratchDatabase(base);
// The app's clock is real time shifted so that, when the sweep starts, it reads the idle users' due time:
// the lag of each deactivation is then exactly how long the sweep took to reach it.
const dueAt = new Date("2031-01-31T00:00:00Z");
let shift = 0;
const adminToken = `bench-${randomBytes(16).toString("hex")}`;
const app = await startApp(
  { port: 0, host: "127.0.0.1", dataDir: ":memory:", databaseUrl: scratch.url, adminToken, maxRequestBytes: 4 << 20, logLevel: "silent", lifecycle: { intervalMs: 0, workers: Number(values.workers) } },
  { now: () => new Date(Date.now() + shift), log: createLogger("silent") },
);
const db = app.database.db;

try {
  // 1. Seed: one organization with the policy, `users` humans written through the event store (as the API
  //    would, minus the wire): the due share idle since 30 days before `dueAt`, the rest active a day
  //    before it. The concurrent commands run on another organization's users, which no policy covers.
  const orgId = (await sql<{ id: string }>`select id from orgs_v1 limit 1`.execute(db)).rows[0].id;
  const loadOrgId = `bench-load-org`;
  const dueCount = Math.round((users * duePercent) / 100);
  let seedClock = new Date(dueAt.getTime() - 30 * DAY);
  const seedStore = new EventStore(db, projections, () => seedClock);
  const run = randomBytes(3).toString("hex");
  const ids = Array.from({ length: users }, (_, i) => `bench-${run}-${i}`);
  const seedStarted = Date.now();
  const seed = async (slice: string[], org = orgId) =>
    measure(slice, { concurrency: Number(values["seed-concurrency"]) }, async (id, time) => {
      await time(() =>
        seedStore.run({ creator: "bench" }, async (session) => {
          const user = await session.load(userAggregate, id);
          const input = { username: id, profile: { givenName: "Bench", familyName: id }, email: { address: `${id}@example.com`, verified: true } };
          session.append(user, addHumanUser(user.state, input), org);
        }),
      );
    });
  const idle = await seed(ids.slice(0, dueCount));
  seedClock = new Date(dueAt.getTime() - DAY);
  const active = await seed(ids.slice(dueCount));
  await seedStore.run({ creator: "bench" }, async (session) => {
    const org = await session.load(orgAggregate, loadOrgId);
    session.append(org, [{ type: "org.added", data: { name: loadOrgId, primaryDomain: `${loadOrgId}.localhost` } }], loadOrgId);
  });
  const loadUsers = Array.from({ length: Number(values["load-users"]) }, (_, i) => `bench-${run}-load-${i}`);
  const loaders = await seed(loadUsers, loadOrgId);
  if (idle.errors + active.errors + loaders.errors > 0) throw new Error(`seed failed: ${idle.firstError ?? active.firstError}`);
  await seedStore.run({ creator: "bench" }, async (session) => {
    const policy = await session.load(lifecyclePolicyAggregate, orgId);
    session.append(policy, setInactivityPolicy(policy.state, { policyId: "bench-policy", inactiveDays: 30, includeMachineUsers: false, dryRun: false }), orgId);
  });
  log(`seeded ${users} users (${dueCount} due) in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`);
  await sql`vacuum analyze`.execute(db);

  // 2. Lifecycle commands alone (on active users the sweep never touches), then during the sweep.
  const client = grpcClient(app.url, adminToken);
  let cursor = 0;
  const nextUsers = (n: number) => {
    if (cursor + n > loadUsers.length) cursor = 0;
    return loadUsers.slice(cursor, (cursor += n));
  };
  const loadFor = async (until: () => boolean): Promise<PassResult[]> => {
    const passes: PassResult[] = [];
    while (!until()) passes.push(await runLifecycle(client, nextUsers(concurrency * 8), { concurrency }));
    return passes;
  };
  const summary = (passes: PassResult[]) => {
    const ops = passes.reduce((s, p) => s + p.ops, 0);
    const seconds = passes.reduce((s, p) => s + p.seconds, 0);
    return { ops, opsPerSec: Math.round(ops / seconds), p50: Math.max(...passes.map((p) => p.p50)), p99: Math.max(...passes.map((p) => p.p99)) };
  };
  const baselineEnd = Date.now() + 15_000;
  const baseline = summary(await loadFor(() => Date.now() > baselineEnd));
  log(`lifecycle commands alone: ${baseline.opsPerSec}/s`);

  // 3. The sweep, with the same load running beside it.
  const stats = async () => (await sql<Record<string, string>>`select xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated, blks_hit, blks_read from pg_stat_database where datname = current_database()`.execute(db)).rows[0];
  shift = dueAt.getTime() - Date.now();
  const before = await stats();
  let sweeping = true;
  const started = Date.now();
  const [usage, during] = await Promise.all([
    withUsage({ database: scratch.name }, async () => {
      const result = await app.lifecycle.tick();
      sweeping = false;
      return result;
    }),
    loadFor(() => !sweeping),
  ]);
  const sweepSeconds = (Date.now() - started) / 1000;
  const after = await stats();
  const loaded = summary(during);

  // 4. Exactly once, on time.
  const { rows } = await sql<{ acted: string; duplicates: string; late: string; max_lag: number }>`
    select count(distinct aggregate_id) as acted, count(*) - count(distinct aggregate_id) as duplicates,
      count(*) filter (where created_at > ${dueAt}::timestamptz + interval '1 minute') as late,
      extract(epoch from max(created_at) - ${dueAt}::timestamptz) as max_lag
    from events where type = 'user.deactivated' and aggregate_type = 'user' and creator = 'system:lifecycle-policy'`.execute(db);
  const delta = Object.fromEntries(Object.keys(before).map((k) => [k, Number(after[k]) - Number(before[k])]));
  const result = {
    date: new Date().toISOString(),
    note: "busy 2-core machine shared with other work; PostgreSQL on the same box",
    users,
    due: dueCount,
    acted: Number(rows[0].acted),
    duplicates: Number(rows[0].duplicates),
    lateOverOneMinute: Number(rows[0].late),
    maxLagSeconds: Number(Number(rows[0].max_lag).toFixed(1)),
    sweepSeconds: Number(sweepSeconds.toFixed(1)),
    deactivationsPerSecond: Math.round(dueCount / sweepSeconds),
    databaseCpuMs: Math.round(usage.dbCpuMs ?? 0),
    databaseCpuMsPerDeactivation: Number(((usage.dbCpuMs ?? 0) / dueCount).toFixed(2)),
    databaseStats: delta,
    commandsAlone: baseline,
    commandsDuringSweep: loaded,
    slowdownPercent: Math.round((1 - loaded.opsPerSec / baseline.opsPerSec) * 100),
    tick: usage.result,
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(fileURLToPath(new URL("results/lifecycle-sweep.json", import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
  client.close();
} finally {
  await app.close();
  await scratch.drop();
}


/**
 * Beyond one process, on one PostgreSQL: the lifecycle pass (Connect JSON over HTTP/1.1, so the client
 * opens several connections and node's cluster can spread them) against WORKERS=1, WORKERS=2, three
 * instances behind HAProxy (deploy/haproxy.cfg) and one instance through PgBouncer in transaction mode.
 * CPU per command is summed over every server process (and HAProxy or PgBouncer where present) and the
 * database's backends. `DATABASE_URL=… npx tsx bench/scale.ts [--users N] [--concurrency N] [--only TEXT]`; writes
 * bench/results/scale.md. On a 2-core machine that also runs PostgreSQL and the load generator, more
 * processes cannot mean more throughput; the CPU per command says what each layer costs.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startHaproxy } from "../test/harness/haproxy.js";
import { startPgbouncer } from "../test/harness/pgbouncer.js";
import { apiClient } from "./clients.js";
import { createScratchDatabase } from "./database.js";
import { runLifecycle } from "./lifecycle.js";
import { withUsage } from "./resources.js";
import { seedUsers } from "./seed.js";
import { startServer, type ServerProcess } from "./server.js";

const { values } = parseArgs({ options: { users: { type: "string", default: "500" }, concurrency: { type: "string", default: "32" }, only: { type: "string" } } });
const users = Number(values.users);
const concurrency = Number(values.concurrency);
const base = process.env.DATABASE_URL;
if (!base) throw new Error("DATABASE_URL must point at PostgreSQL");

const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
const pidsNamed = (name: string): number[] => execFileSync("pgrep", ["-x", name]).toString().trim().split("\n").map(Number);

interface Variant {
  name: string;
  start(databaseUrl: string): Promise<{ url: string; token: string; pids: number[]; stop(): Promise<void> }>;
}

const single = (workers: number): Variant => ({
  name: `WORKERS=${workers}`,
  async start(databaseUrl) {
    const server = await startServer({ databaseUrl, env: { WORKERS: String(workers) } });
    await new Promise((r) => setTimeout(r, 2_000)); // the other workers finish starting
    return { url: server.url, token: server.adminToken, pids: [server.pid, ...childrenOf(server.pid)], stop: () => server.stop() };
  },
});

const variants: Variant[] = [
  single(1),
  single(2),
  {
    name: "3 instances (WORKERS=1) behind HAProxy",
    async start(databaseUrl) {
      const first = await startServer({ databaseUrl, env: { WORKERS: "1" } });
      const rest: ServerProcess[] = [];
      for (let i = 0; i < 2; i++) rest.push(await startServer({ databaseUrl, adminToken: first.adminToken, env: { WORKERS: "1" } }));
      const servers = [first, ...rest];
      const ports = servers.map((s) => Number(new URL(s.url).port)) as [number, number, number];
      const lb = await startHaproxy(ports, "1s");
      return { url: lb.url, token: first.adminToken, pids: [...servers.map((s) => s.pid), ...pidsNamed("haproxy")], stop: async () => (await lb.stop(), await Promise.all(servers.map((s) => s.stop())), undefined) };
    },
  },
  {
    name: "WORKERS=1 through PgBouncer (transaction mode)",
    async start(databaseUrl) {
      const bouncer = await startPgbouncer(databaseUrl, { poolSize: 20 });
      const server = await startServer({ databaseUrl: bouncer.url, env: { WORKERS: "1", DB_POOL_MODE: "transaction" } });
      return { url: server.url, token: server.adminToken, pids: [server.pid, ...pidsNamed("pgbouncer")], stop: async () => (await server.stop(), await bouncer.stop()) };
    },
  },
];

const rows: string[] = [];
const started = loadavg()[0];
for (const variant of variants.filter((v) => !values.only || v.name.includes(values.only))) {
  const scratch = await createScratchDatabase(base);
  try {
    const running = await variant.start(scratch.url);
    const client = apiClient("connect-json", running.url, running.token);
    try {
      const seeded = await seedUsers(client, users, concurrency);
      const usage = await withUsage({ pid: running.pids, database: scratch.name }, () => runLifecycle(client, seeded.userIds, { concurrency }));
      const r = usage.result;
      const perOp = (ms?: number) => (ms === undefined ? "" : (ms / r.ops).toFixed(2));
      rows.push(`| ${variant.name} | ${r.ops} | ${Math.round(r.opsPerSec)} | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} | ${r.errors} | ${perOp(usage.cpuMs)} | ${perOp(usage.dbCpuMs)} |`);
      console.log(rows.at(-1));
    } finally {
      client.close();
      await running.stop();
    }
  } finally {
    await scratch.drop();
  }
}

const md = [
  `# Beyond one process (${new Date().toISOString()})`,
  "",
  `Busy 2-core machine: 1-min load average ${started.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (other engineers' work shares it). ${users} users × 4 lifecycle commands, ${concurrency} Connect JSON clients.`,
  "",
  "| variant | commands | ops/s | p50 / p99 ms | errors | server-side CPU ms/command (servers + HAProxy/PgBouncer) | db CPU ms/command |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
].join("\n");
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/scale.md", md);
console.log(md);

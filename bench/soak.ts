import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Code } from "@connectrpc/connect";
import pg from "pg";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import { openDatabase } from "../src/db/database.js";
import { Clients, rpcProtocols } from "../test/harness/clients.js";
import { type Ack, checkConsistency, seedUsers } from "../test/faults/load.js";
import { createScratchDatabase } from "./database.js";
import { startServer } from "./server.js";

// `npm run soak [-- --minutes 10 --concurrency 8 --kill-every 30s]`: mixed load (lifecycle commands and
// reads over every RPC protocol) against the bundled server on a scratch PostgreSQL database, killing the
// server's database connections periodically. Prints a line per minute (RSS, requests, errors by code, p99)
// and ends with the consistency check of the fault suite. Not in CI: it runs for minutes.
const { values } = parseArgs({
  options: { minutes: { type: "string", default: "10" }, concurrency: { type: "string", default: "8" }, "kill-every": { type: "string", default: "30" } },
});
const minutes = Number(values.minutes);
const concurrency = Number(values.concurrency);
const killEveryMs = Number(values["kill-every"]) * 1000;
if (!process.env.DATABASE_URL) {
  console.error("npm run soak needs DATABASE_URL (a PostgreSQL server whose connections it can kill)");
  process.exit(2);
}

const scratch = await createScratchDatabase(process.env.DATABASE_URL);
const server = await startServer({ databaseUrl: scratch.url });
const clients = new Clients(server.url);
const userIds = await seedUsers(clients, server.adminToken, concurrency);
const acks: Ack[] = [];

interface Minute {
  requests: number;
  errors: Record<string, number>;
  latencies: number[];
  kills: number;
}
const fresh = (): Minute => ({ requests: 0, errors: {}, latencies: [], kills: 0 });
let minute = fresh();
const totals = { requests: 0, acknowledged: 0, kills: 0, serverErrors: 0, errors: {} as Record<string, number> };
const endAt = Date.now() + minutes * 60_000;

const rssMb = () => Math.round(Number(readFileSync(`/proc/${server.pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0) / 1024);
const p99 = (values: number[]) => (values.length ? [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.99) - 1] : 0);
const started = Date.now();
const printMinute = () => {
  const m = minute;
  minute = fresh();
  const errors = Object.entries(m.errors).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  console.log(
    `minute ${((Date.now() - started) / 60_000).toFixed(1)}: rss ${rssMb()} MB, ${m.requests} requests, p99 ${p99(m.latencies).toFixed(0)} ms, ${m.kills} kills, errors: ${errors}`,
  );
};
const report = setInterval(printMinute, 60_000);

const killer = setInterval(() => {
  const admin = new pg.Client({ connectionString: scratch.url, connectionTimeoutMillis: 5_000 });
  admin
    .connect()
    .then(() => admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"))
    .then(() => (minute.kills++, totals.kills++))
    .catch((error: unknown) => console.error(`kill failed: ${String(error)}`))
    .finally(() => void admin.end().catch(() => {}));
}, killEveryMs);

function record(ok: boolean, code: Code | undefined, ms: number) {
  minute.requests++;
  totals.requests++;
  minute.latencies.push(ms);
  if (ok) return;
  const name = code === undefined ? "unknown" : Code[code];
  minute.errors[name] = (minute.errors[name] ?? 0) + 1;
  totals.errors[name] = (totals.errors[name] ?? 0) + 1;
  if (code === Code.Internal || code === Code.Unknown || code === Code.DataLoss) totals.serverErrors++;
}

async function worker(userId: string, w: number) {
  let locked = false;
  for (let i = w; Date.now() < endAt && !server.exited(); i++) {
    const protocol = rpcProtocols[i % rpcProtocols.length];
    const t = performance.now();
    if (i % 3 === 0) {
      const res = await clients.call(protocol, UserService, "getUserByID", { userId }, server.adminToken);
      record(res.ok, res.ok ? undefined : res.code, performance.now() - t);
      continue;
    }
    const res = await clients.call(protocol, UserService, locked ? "unlockUser" : "lockUser", { userId }, server.adminToken);
    record(res.ok, res.ok ? undefined : res.code, performance.now() - t);
    if (res.ok) {
      totals.acknowledged++;
      acks.push({ userId, sequence: Number(res.message.details?.sequence), type: locked ? "user.unlocked" : "user.locked" });
      locked = !locked;
    } else if (res.code === Code.FailedPrecondition) locked = !locked; // an unanswered command committed after all
  }
}

console.log(`soak: ${minutes} min, ${concurrency} clients, a connection kill every ${killEveryMs / 1000} s, server pid ${server.pid}`);
try {
  await Promise.all(userIds.map(worker));
} finally {
  clearInterval(report);
  clearInterval(killer);
  if (minute.requests > 0) printMinute();
  clients.close();
}
const crashed = server.exited();
await server.stop();
const database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:" });
const result = await checkConsistency(database.db, acks);
await database.close();
await scratch.drop();
console.log(
  `soak done: ${totals.requests} requests, ${totals.acknowledged} commands acknowledged, ${totals.kills} connection kills, ` +
    `errors ${JSON.stringify(totals.errors)}, 5xx ${totals.serverErrors}, crashes ${crashed ? 1 : 0}; ` +
    `consistency: ${result.lost} lost, ${result.duplicates} duplicates, ${result.gaps} gaps, ${result.readModelDiffs} read-model differences`,
);
if (crashed) console.error(crashed);
process.exit(crashed || totals.serverErrors || result.lost || result.duplicates || result.gaps || result.readModelDiffs ? 1 : 0);

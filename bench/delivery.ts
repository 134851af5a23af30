// `npx tsx bench/delivery.ts [--commands N] [--concurrency N] [--users N]`: outbound delivery figures on one
// server in this process, with a local receiver. PostgreSQL when DATABASE_URL is set (scratch database), else
// PGlite in memory. Prints: command throughput without and with one active target (the cost of delivery to
// the command path), delivery throughput of a backlog, and delivery lag p50/p99 under lifecycle load.
// The phases without a target come before AND after the one with it, and PostgreSQL is vacuumed between
// phases (autovacuum is off on these machines): the same users locked and unlocked over and over slow every
// later phase, which a before/after pair alone would blame on delivery.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { sql } from "kysely";
import { parseArgs } from "node:util";
import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { ActionService } from "@zitadel/proto/zitadel/action/v2beta/action_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk } from "../test/harness/clients.js";
import { newHuman, newOrg } from "../test/harness/fixtures.js";
import { startTestServer } from "../test/harness/server.js";

const { values } = parseArgs({ options: { commands: { type: "string", default: "2000" }, concurrency: { type: "string", default: "16" }, users: { type: "string", default: "200" } } });
const COMMANDS = Number(values.commands);
const CONCURRENCY = Number(values.concurrency);
const USERS = Number(values.users);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

// Which users are locked now; each user belongs to one worker, so its lock and unlock never race.
const locked = new Set<string>();

async function lifecycleLoad(clients: Clients, token: string, userIds: string[], commands: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      const mine = userIds.filter((_, i) => i % CONCURRENCY === worker);
      for (let n = 0; next++ < commands; n++) {
        const userId = mine[n % mine.length];
        const method = locked.has(userId) ? "unlockUser" : "lockUser";
        expectOk(await clients.call("connect-proto", UserService, method, { userId }, token));
        if (method === "lockUser") locked.add(userId);
        else locked.delete(userId);
      }
    }),
  );
  return commands / ((performance.now() - started) / 1000);
}

/** The delivery loop's statements so far (delivery_loop_queries_total), NaN where the server has no such metric. */
async function loopStatements(url: string): Promise<number> {
  const line = /^delivery_loop_queries_total (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text());
  return line ? Number(line[1]) : NaN;
}

/** The receiver in its own process (bench/receiver-process.ts): its parsing is not the server's cost. */
async function startReceiverProcess() {
  const child: ChildProcess = fork(new URL("./receiver-process.ts", import.meta.url), { execArgv: ["--import", "tsx"] });
  const [ready] = (await once(child, "message")) as [{ base: string }];
  const stats = async (path: string) => {
    child.send({ kind: "stats", path });
    const [answer] = (await once(child, "message")) as [{ count: number; lags: number[] }];
    return answer;
  };
  return {
    url: (path: string) => `${ready.base}${path}`,
    count: async (path: string) => (await stats(path)).count,
    lags: async (path: string) => (await stats(path)).lags,
    close: async () => {
      child.send({ kind: "close" });
      await once(child, "exit");
    },
  };
}

/** CPU time of this process (server and load generator) per command, in microseconds. */
async function cpuPerCommand(run: () => Promise<number>, commands: number): Promise<{ rate: number; cpuUs: number }> {
  const before = process.cpuUsage();
  const rate = await run();
  const used = process.cpuUsage(before);
  return { rate, cpuUs: (used.user + used.system) / commands };
}

const kind = process.env.DATABASE_URL ? "postgres" : "pglite";
const receiver = await startReceiverProcess();
const server = await startTestServer(kind, {}, { delivery: { pollIntervalMs: 50, maxInFlightPerTarget: 16, maxInFlight: 32 } });
const clients = new Clients(server.url);
const token = server.adminToken;
try {
  const orgId = await newOrg(clients, token);
  const userIds: string[] = [];
  for (let i = 0; i < USERS; i += 20) userIds.push(...(await Promise.all(Array.from({ length: Math.min(20, USERS - i) }, () => newHuman(clients, token, orgId)))));

  const vacuum = async () => {
    if (kind === "postgres") await sql`vacuum analyze`.execute(server.app.database.db);
  };
  await lifecycleLoad(clients, token, userIds, Math.min(500, COMMANDS)); // warm-up
  await vacuum();
  const before = await cpuPerCommand(() => lifecycleLoad(clients, token, userIds, COMMANDS), COMMANDS);
  await vacuum();

  const actions = createClientFor(ActionService)(createServerTransport(token, { baseUrl: server.url }));
  const target = await actions.createTarget({ name: "bench", endpoint: receiver.url("/bench"), timeout: { seconds: 10n }, targetType: { case: "restAsync", value: {} } });
  await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [target.id] });
  const statementsBefore = await loopStatements(server.url);
  const deadline = Date.now() + 300_000;
  // CPU until the last delivery arrived: each command's delivery is counted, even one sent after the load.
  const during = await cpuPerCommand(async () => {
    const rate = await lifecycleLoad(clients, token, userIds, COMMANDS);
    while ((await receiver.count("/bench")) < COMMANDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return rate;
  }, COMMANDS);
  const lags = (await receiver.lags("/bench")).sort((a, b) => a - b);
  const statementsPerDelivery = ((await loopStatements(server.url)) - statementsBefore) / lags.length;
  // Without a target again: the execution removed and the target deleted, the loop back to idle.
  await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [] });
  await actions.deleteTarget({ id: target.id });
  await vacuum();
  const after = await cpuPerCommand(() => lifecycleLoad(clients, token, userIds, COMMANDS), COMMANDS);
  const without = (before.rate + after.rate) / 2;
  const withoutCpu = (before.cpuUs + after.cpuUs) / 2;
  const bench = await actions.createTarget({ name: "bench-2", endpoint: receiver.url("/bench-2"), timeout: { seconds: 10n }, targetType: { case: "restAsync", value: {} } });

  // A backlog written with delivery paused (target disabled by an update? no: by a second target created after).
  const backlogTarget = await actions.createTarget({ name: "bench-backlog", endpoint: receiver.url("/backlog"), timeout: { seconds: 10n }, targetType: { case: "restAsync", value: {} } });
  await server.app.database.db.updateTable("targets_v1").set({ state: "paused-for-bench" }).where("id", "=", backlogTarget.id).execute();
  await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [bench.id, backlogTarget.id] });
  await lifecycleLoad(clients, token, userIds, COMMANDS);
  const backlogStart = performance.now();
  const backlogCpu = process.cpuUsage();
  await server.app.database.db.updateTable("targets_v1").set({ state: "active" }).where("id", "=", backlogTarget.id).execute();
  while ((await receiver.count("/backlog")) < COMMANDS && Date.now() < deadline + 300_000) await new Promise((r) => setTimeout(r, 20));
  const backlog = await receiver.count("/backlog");
  const backlogRate = backlog / ((performance.now() - backlogStart) / 1000);
  const backlogCpuUs = ((u) => (u.user + u.system) / backlog)(process.cpuUsage(backlogCpu));

  console.log(`delivery bench on ${kind} (busy shared machine; ${COMMANDS} lock/unlock commands at concurrency ${CONCURRENCY}, ${USERS} users)`);
  const withTarget = during.rate;
  console.log(`  commands/s without a target: ${without.toFixed(0)} (before ${before.rate.toFixed(0)}, after ${after.rate.toFixed(0)})`);
  console.log(`  commands/s with one active target: ${withTarget.toFixed(0)} (ratio ${(withTarget / without).toFixed(2)}, ${(((withTarget - without) / without) * 100).toFixed(1)} %)`);
  console.log(`  server CPU per command: ${withoutCpu.toFixed(0)} µs without a target, ${during.cpuUs.toFixed(0)} µs with one (ratio ${(during.cpuUs / withoutCpu).toFixed(2)}; load generator included, receiver not)`);
  console.log(`  delivery loop statements per delivered event: ${statementsPerDelivery.toFixed(2)}`);
  console.log(`  delivery lag under that load: p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms (${lags.length} deliveries)`);
  console.log(`  backlog delivery throughput: ${backlogRate.toFixed(0)} events/s (${backlog} events), server CPU ${backlogCpuUs.toFixed(0)} µs per event`);
} finally {
  clients.close();
  await receiver.close();
  await server.stop();
}

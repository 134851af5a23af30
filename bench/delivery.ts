// `npx tsx bench/delivery.ts [--commands N] [--concurrency N] [--users N]`: outbound delivery figures on one
// server in this process, with a local receiver. PostgreSQL when DATABASE_URL is set (scratch database), else
// PGlite in memory. Prints: command throughput without and with one active target (the cost of delivery to
// the command path), delivery throughput of a backlog, and delivery lag p50/p99 under lifecycle load.
import { parseArgs } from "node:util";
import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { ActionService } from "@zitadel/proto/zitadel/action/v2beta/action_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk } from "../test/harness/clients.js";
import { newHuman, newOrg } from "../test/harness/fixtures.js";
import { startTestServer } from "../test/harness/server.js";
import { startReceiver } from "../test/delivery/receiver.js";

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

const kind = process.env.DATABASE_URL ? "postgres" : "pglite";
const receiver = await startReceiver();
const server = await startTestServer(kind, {}, { delivery: { pollIntervalMs: 50, maxInFlightPerTarget: 16, maxInFlight: 32 } });
const clients = new Clients(server.url);
const token = server.adminToken;
try {
  const orgId = await newOrg(clients, token);
  const userIds: string[] = [];
  for (let i = 0; i < USERS; i += 20) userIds.push(...(await Promise.all(Array.from({ length: Math.min(20, USERS - i) }, () => newHuman(clients, token, orgId)))));

  await lifecycleLoad(clients, token, userIds, Math.min(500, COMMANDS)); // warm-up
  const without = await lifecycleLoad(clients, token, userIds, COMMANDS);

  const actions = createClientFor(ActionService)(createServerTransport(token, { baseUrl: server.url }));
  const target = await actions.createTarget({ name: "bench", endpoint: receiver.url("/bench"), timeout: { seconds: 10n }, targetType: { case: "restAsync", value: {} } });
  await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [target.id] });
  const receivedBefore = receiver.at("/bench").length;
  const withTarget = await lifecycleLoad(clients, token, userIds, COMMANDS);
  const deadline = Date.now() + 300_000;
  while (receiver.at("/bench").length - receivedBefore < COMMANDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const lags = receiver
    .at("/bench")
    .map((r) => r.at - Date.parse(JSON.parse(r.body).created_at))
    .sort((a, b) => a - b);

  // A backlog written with delivery paused (target disabled by an update? no: by a second target created after).
  const backlogTarget = await actions.createTarget({ name: "bench-backlog", endpoint: receiver.url("/backlog"), timeout: { seconds: 10n }, targetType: { case: "restAsync", value: {} } });
  await server.app.database.db.updateTable("targets_v1").set({ state: "paused-for-bench" }).where("id", "=", backlogTarget.id).execute();
  await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [target.id, backlogTarget.id] });
  await lifecycleLoad(clients, token, userIds, COMMANDS);
  const backlogStart = performance.now();
  await server.app.database.db.updateTable("targets_v1").set({ state: "active" }).where("id", "=", backlogTarget.id).execute();
  while (receiver.at("/backlog").length < COMMANDS && Date.now() < deadline + 300_000) await new Promise((r) => setTimeout(r, 20));
  const backlogRate = receiver.at("/backlog").length / ((performance.now() - backlogStart) / 1000);

  console.log(`delivery bench on ${kind} (busy shared machine; ${COMMANDS} lock/unlock commands at concurrency ${CONCURRENCY}, ${USERS} users)`);
  console.log(`  commands/s without a target: ${without.toFixed(0)}`);
  console.log(`  commands/s with one active target: ${withTarget.toFixed(0)} (${(((withTarget - without) / without) * 100).toFixed(1)} %)`);
  console.log(`  delivery lag under that load: p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms (${lags.length} deliveries)`);
  console.log(`  backlog delivery throughput: ${backlogRate.toFixed(0)} events/s (${receiver.at("/backlog").length} events)`);
} finally {
  clients.close();
  await receiver.close();
  await server.stop();
}

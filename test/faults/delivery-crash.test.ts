import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { ActionService } from "@zitadel/proto/zitadel/action/v2beta/action_service_pb.js";
import { describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { openDatabase } from "../../src/db/database.js";
import { Clients, expectOk } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { newHuman, newOrg } from "../harness/fixtures.js";
import { type Receiver, startReceiver, waitFor } from "../delivery/receiver.js";
import { pollUntil, type ServerProcess, startServerProcess } from "./server-process.js";

const TOKEN = "delivery-crash-admin-token-0123456789";
const DELIVERY_ENV = { DELIVERY_POLL_INTERVAL: "50ms", DELIVERY_RETRY_SCHEDULE: "200ms,200ms,200ms,200ms,200ms", DELIVERY_MAX_IN_FLIGHT_PER_TARGET: "4" };

/** A target hearing every user event, and users with lock/unlock histories written as fast as the server takes them. */
async function setUp(server: ServerProcess, receiver: Receiver) {
  const actions = createClientFor(ActionService)(createServerTransport(TOKEN, { baseUrl: server.url }));
  const target = await actions.createTarget({ name: "crash-receiver", endpoint: receiver.url("/hook"), timeout: { seconds: 2n }, targetType: { case: "restAsync", value: {} } });
  await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [target.id] });
  const clients = new Clients(server.url);
  const orgId = await newOrg(clients, TOKEN);
  return { clients, orgId, targetId: target.id };
}

async function writeHistories(clients: Clients, orgId: string, users: number, cycles: number): Promise<string[]> {
  const ids = await Promise.all(Array.from({ length: users }, () => newHuman(clients, TOKEN, orgId)));
  await Promise.all(ids.map(async (userId) => {
    for (let i = 0; i < cycles; i++) {
      expectOk(await clients.call("connect-json", UserService, "lockUser", { userId }, TOKEN));
      expectOk(await clients.call("connect-json", UserService, "unlockUser", { userId }, TOKEN));
    }
  }));
  return ids;
}

/** Every event delivered, none out of order per user, and a duplicate only ever with the same webhook-id. */
function check(receiver: Receiver, userIds: string[], perUser: number) {
  const ids = new Map<string, string>();
  let outOfOrder = 0;
  let duplicates = 0;
  for (const userId of userIds) {
    const got = receiver.at("/hook").filter((r) => JSON.parse(r.body).aggregateID === userId);
    let highest = 0;
    for (const r of got) {
      const { sequence } = JSON.parse(r.body);
      if (sequence < highest) outOfOrder++;
      highest = Math.max(highest, sequence);
      const key = `${userId}/${sequence}`;
      const id = String(r.headers["webhook-id"]);
      if (ids.has(key)) {
        duplicates++;
        expect(ids.get(key)).toBe(id);
      } else ids.set(key, id);
    }
    expect(new Set(got.map((r) => JSON.parse(r.body).sequence)).size, userId).toBe(perUser);
  }
  return { outOfOrder, duplicates, delivered: ids.size };
}

describe.each(databaseKinds)("delivery across a SIGKILL, on %s", (kind) => {
  it("delivers every event after a restart, in order per user; duplicates carry the same webhook-id", async () => {
    const scratch = kind === "postgres" ? await createScratchDatabase() : undefined;
    const env = { ...DELIVERY_ENV, ...(scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: mkdtempSync(join(tmpdir(), "zl-delivery-")) }) };
    const receiver = await startReceiver(25);
    try {
      const server = await startServerProcess({ ...env, ADMIN_TOKEN: TOKEN });
      const { clients, orgId } = await setUp(server, receiver);
      const users = 5;
      const cycles = 8;
      const userIds = await writeHistories(clients, orgId, users, cycles);
      clients.close();
      const total = users * (1 + 2 * cycles);
      // Kill it in the middle of the backlog.
      expect(await pollUntil(() => receiver.at("/hook").length >= total / 5, 60_000, 10)).toBe(true);
      server.child.kill("SIGKILL");
      await server.exited;
      const receivedAtKill = receiver.at("/hook").length;
      expect(receivedAtKill).toBeLessThan(total);

      const restarted = await startServerProcess({ ...env, ADMIN_TOKEN: TOKEN });
      try {
        await waitFor(() => new Set(receiver.at("/hook").map((r) => r.headers["webhook-id"])).size >= total, 90_000, "every event");
        const result = check(receiver, userIds, 1 + 2 * cycles);
        console.log(`[faults] delivery SIGKILL on ${kind}: ${result.delivered} events delivered (${receivedAtKill} before the kill), ${result.duplicates} duplicates (same webhook-id), 0 lost, ${result.outOfOrder} out of order`);
        expect(result.outOfOrder).toBe(0);
        expect(result.delivered).toBe(total);
      } finally {
        await restarted.stop();
      }
    } finally {
      await receiver.close();
      await scratch?.drop();
    }
  }, 240_000);
});

// Several processes share one database only on PostgreSQL (PGlite belongs to one process).
describe.runIf(databaseKinds.includes("postgres"))("two servers on one PostgreSQL database", () => {
  it("deliver each event to the target exactly once when every attempt succeeds", async () => {
    const scratch = await createScratchDatabase();
    const receiver = await startReceiver(5);
    try {
      const first = await startServerProcess({ ...DELIVERY_ENV, DATABASE_URL: scratch.url, ADMIN_TOKEN: TOKEN });
      const second = await startServerProcess({ ...DELIVERY_ENV, DATABASE_URL: scratch.url, ADMIN_TOKEN: TOKEN });
      try {
        const { clients, orgId } = await setUp(first, receiver);
        const other = new Clients(second.url);
        const users = 4;
        const cycles = 6;
        const [a, b] = await Promise.all([writeHistories(clients, orgId, users, cycles), writeHistories(other, orgId, users, cycles)]);
        clients.close();
        other.close();
        const total = 2 * users * (1 + 2 * cycles);
        await waitFor(() => receiver.at("/hook").length >= total, 90_000, "every event");
        await new Promise((r) => setTimeout(r, 1000));
        const result = check(receiver, [...a, ...b], 1 + 2 * cycles);
        const database = await openDatabase({ databaseUrl: scratch.url, dataDir: ":memory:" });
        const byProcess = await database.db.selectFrom("delivery_log").select("attempt").execute();
        await database.close();
        console.log(`[faults] two servers: ${result.delivered} events, ${receiver.at("/hook").length} requests, ${result.duplicates} duplicates, ${result.outOfOrder} out of order, ${byProcess.length} attempts logged`);
        expect(receiver.at("/hook")).toHaveLength(total);
        expect(result).toMatchObject({ duplicates: 0, outOfOrder: 0, delivered: total });
      } finally {
        await Promise.all([first.stop(), second.stop()]);
      }
    } finally {
      await receiver.close();
      await scratch.drop();
    }
  }, 240_000);
});

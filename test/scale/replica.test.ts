import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { EventService } from "../../gen/lifecycle/event/v1/event_service_pb.js";
import { AdminService } from "../../gen/zitadel/admin_pb.js";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { scim } from "../scim/helpers.js";
import { pollUntil, type ServerProcess, startServerProcess } from "../faults/server-process.js";
import { Clients, expectOk, rest } from "../harness/clients.js";
import { createScratchDatabase } from "../harness/databases.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { canMakeReplica, type Replica, startReplica } from "../harness/replica.js";

const TOKEN = "replica-admin-token-0123456789";
const MAX_WAIT_MS = 1_000;
const ROUNDS = 200;
const APPLY_DELAY_MS = 200;
const CLIENTS = 4;

/** The sum of a counter's samples with these labels in a /metrics text (-1 when the counter is missing). */
function counter(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = metrics.split("\n").filter((line) => line.startsWith(`${name}{`) && wanted.every((l) => line.includes(l)));
  return lines.length === 0 ? -1 : lines.reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

async function served(server: ServerProcess, by: "replica" | "primary_replica_behind" | "primary_replica_unavailable"): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const value = counter(text, "db_reads_total", { served_by: by });
  if (value < 0) throw new Error(`db_reads_total{served_by="${by}"} is missing from /metrics`);
  return value;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe.skipIf(!process.env.DATABASE_URL || !canMakeReplica())("DATABASE_READ_URL: a streaming replica made for the test", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let replica: Replica;
  let writer: ServerProcess; // instance 1: the writes go here
  let reader: ServerProcess; // instance 2: the reads go here
  let writes: Clients;
  let reads: Clients;
  let orgId: string;
  let userId: string;
  let state = UserState.ACTIVE;

  /** Deactivates or reactivates the user through the writer; the state and sequence a read must show. */
  async function toggle(): Promise<{ state: UserState; sequence: bigint }> {
    const method = state === UserState.ACTIVE ? "deactivateUser" : "reactivateUser";
    const res = expectOk(await writes.call("grpc", UserService, method, { userId }, TOKEN));
    state = state === UserState.ACTIVE ? UserState.INACTIVE : UserState.ACTIVE;
    return { state, sequence: res.details?.sequence ?? 0n };
  }

  async function readUser(clients = reads, id = userId) {
    const started = performance.now();
    const res = expectOk(await clients.call("grpc", UserService, "getUserByID", { userId: id }, TOKEN));
    return { state: res.user?.state, sequence: res.details?.sequence ?? 0n, ms: performance.now() - started };
  }

  /** The user's state as the replica's own read model holds it, asked directly. */
  async function stateOnReplica(): Promise<string | undefined> {
    const client = new pg.Client({ connectionString: replica.urlFor(scratch.url), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<{ state: string }>("select state from users_v1 where id = $1", [userId])).rows[0]?.state;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    replica = await startReplica(scratch.url);
    const env = { DATABASE_URL: scratch.url, DATABASE_READ_URL: replica.urlFor(scratch.url), DATABASE_READ_MAX_WAIT: `${MAX_WAIT_MS}ms`, ADMIN_TOKEN: TOKEN };
    writer = await startServerProcess(env);
    reader = await startServerProcess(env);
    writes = new Clients(writer.url);
    reads = new Clients(reader.url);
    orgId = await newOrg(writes, TOKEN);
    userId = await newHuman(writes, TOKEN, orgId);
    await replica.caughtUp();
  });

  afterAll(async () => {
    writes?.close();
    reads?.close();
    await Promise.all([writer?.stop(), reader?.stop()]);
    await replica?.destroy();
    await scratch?.drop();
  });

  it("serves reads from the replica once it has replayed the write, and from the primary within the bound while replay is paused", async () => {
    await replica.caughtUp();
    const before = { replica: await served(reader, "replica"), behind: await served(reader, "primary_replica_behind") };
    const fresh = await readUser();
    expect(fresh.state).toBe(UserState.ACTIVE);
    expect(await served(reader, "replica")).toBe(before.replica + 1);

    await replica.pauseReplay();
    try {
      const wrote = await toggle();
      // The replica itself still holds the old state: what a read answers now cannot come from it.
      expect(await stateOnReplica()).toBe("active");
      const read = await readUser();
      expect(read.state).toBe(UserState.INACTIVE);
      expect(read.sequence).toBe(wrote.sequence);
      expect(read.ms).toBeGreaterThanOrEqual(MAX_WAIT_MS - 5);
      expect(read.ms).toBeLessThan(MAX_WAIT_MS + 1_500);
      expect(await served(reader, "primary_replica_behind")).toBe(before.behind + 1);
      // While it stays behind, reads do not wait the whole bound again each time.
      const next = await readUser();
      expect(next.state).toBe(UserState.INACTIVE);
      expect(next.ms).toBeLessThan(MAX_WAIT_MS);
      expect(await served(reader, "primary_replica_behind")).toBe(before.behind + 2);
    } finally {
      await replica.resumeReplay();
    }
    await replica.caughtUp();
    expect(await stateOnReplica()).toBe("inactive");
    const replicaReads = await served(reader, "replica");
    expect((await readUser()).state).toBe(UserState.INACTIVE);
    expect(await served(reader, "replica")).toBe(replicaReads + 1);
  });

  it("serves every read-only path from the replica: each call is one replica read", async () => {
    await replica.caughtUp();
    const idp = await newMachine(writes, TOKEN, orgId, ["ORG_USER_MANAGER"]);
    const org = { "x-zitadel-orgid": orgId };
    const scimGet = async (path: string, method = "GET", body?: unknown) => {
      const res = await scim(reader.url, idp.token, method, `/scim/v2/${orgId}${path}`, body);
      expect(res.status).toBe(200);
    };
    const paths: Array<[string, () => Promise<unknown>]> = [
      ["user v2 GetUserByID over REST", async () => expect((await rest(reader.url, "GET", `/v2/users/${userId}`, { token: TOKEN })).status).toBe(200)],
      ["user v2 ListUsers", async () => expectOk(await reads.call("connect-json", UserService, "listUsers", {}, TOKEN))],
      ["management v1 GetUserByID", async () => expectOk(await reads.call("grpc", ManagementService, "getUserByID", { id: userId }, TOKEN, org))],
      ["management v1 GetMyOrg", async () => expectOk(await reads.call("grpc", ManagementService, "getMyOrg", {}, TOKEN, org))],
      ["org v2 ListOrganizations", async () => expectOk(await reads.call("grpc", OrganizationService, "listOrganizations", {}, TOKEN))],
      ["lifecycle.event.v1 ListEvents", async () => expectOk(await reads.call("grpc", EventService, "listEvents", { filter: { aggregateType: "user", aggregateId: userId } }, TOKEN))],
      ["admin v1 ListEvents", async () => expectOk(await reads.call("grpc", AdminService, "listEvents", { aggregateId: userId }, TOKEN))],
      ["SCIM GET /Users", () => scimGet("/Users")],
      ["SCIM POST /Users/.search", () => scimGet("/Users/.search", "POST", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"] })],
      ["SCIM GET /Users/{id}", async () => {
        const created = await scim(writer.url, idp.token, "POST", `/scim/v2/${orgId}/Users`, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `scim-${Date.now()}`, name: { givenName: "G", familyName: "F" }, emails: [{ value: `scim-${Date.now()}@example.com`, primary: true }] });
        expect(created.status).toBe(201);
        await scimGet(`/Users/${created.body.id}`);
      }],
    ];
    for (const [name, call] of paths) {
      const before = await served(reader, "replica");
      await call();
      expect({ name, replicaReads: (await served(reader, "replica")) - before }).toEqual({ name, replicaReads: 1 });
    }
  });

  it(`reads its own write through the other instance in ${ROUNDS} rounds from ${CLIENTS} clients at once, with replay ${APPLY_DELAY_MS} ms behind`, { timeout: 240_000 }, async () => {
    const users = [userId, ...(await Promise.all(Array.from({ length: CLIENTS - 1 }, () => newHuman(writes, TOKEN, orgId))))];
    await replica.caughtUp();
    await replica.setApplyDelay(APPLY_DELAY_MS);
    try {
      const before = { replica: await served(reader, "replica"), behind: await served(reader, "primary_replica_behind"), down: await served(reader, "primary_replica_unavailable") };
      let misses = 0;
      const readMs: number[] = [];
      // Concurrent clients: their reads share the primary's position query, which must still be taken after each one's write.
      await Promise.all(
        users.map(async (id) => {
          let active = id === userId ? state === UserState.ACTIVE : true;
          for (let round = 0; round < ROUNDS / CLIENTS; round++) {
            const res = expectOk(await writes.call("grpc", UserService, active ? "deactivateUser" : "reactivateUser", { userId: id }, TOKEN));
            active = !active;
            const read = await readUser(reads, id);
            readMs.push(read.ms);
            if (read.state !== (active ? UserState.ACTIVE : UserState.INACTIVE) || read.sequence < (res.details?.sequence ?? 0n)) misses++;
          }
          if (id === userId) state = active ? UserState.ACTIVE : UserState.INACTIVE;
        }),
      );
      const byReplica = (await served(reader, "replica")) - before.replica;
      const byPrimary = (await served(reader, "primary_replica_behind")) - before.behind;
      console.info(`[replica] ${ROUNDS} rounds write→read across instances (${CLIENTS} clients at once), apply delay ${APPLY_DELAY_MS} ms: ${misses} misses, ${byReplica} answered by the replica, ${byPrimary} by the primary past the wait; read mean ${mean(readMs).toFixed(1)} ms (busy machine)`);
      expect(misses).toBe(0);
      // The replica answered (it waited for replay): all of them, unless the shared machine stalled replay past the wait.
      expect(byReplica + byPrimary).toBe(ROUNDS);
      expect(byReplica).toBeGreaterThanOrEqual(ROUNDS * 0.9);
      expect(await served(reader, "primary_replica_unavailable")).toBe(before.down);
    } finally {
      await replica.setApplyDelay(0);
    }
  });

  it("costs one small primary query per read: GetUserByID with and without the replica", async () => {
    await replica.caughtUp();
    const plain = await startServerProcess({ DATABASE_URL: scratch.url, ADMIN_TOKEN: TOKEN });
    const direct = new Clients(plain.url);
    try {
      const replicaReads = await served(reader, "replica");
      // Interleaved, so that the shared machine's load falls on both alike; medians, as a few calls stall.
      for (let i = 0; i < 50; i++) await Promise.all([readUser(reads), readUser(direct)]); // warm: connections, plans, JIT
      const through: number[] = [];
      const alone: number[] = [];
      for (let i = 0; i < 300; i++) {
        through.push((await readUser(reads)).ms);
        alone.push((await readUser(direct)).ms);
      }
      const withReplica = median(through);
      const primaryOnly = median(alone);
      console.info(`[replica] GetUserByID median of 300 sequential calls each, interleaved: ${withReplica.toFixed(2)} ms through the replica, ${primaryOnly.toFixed(2)} ms on the primary alone (${(withReplica - primaryOnly).toFixed(2)} ms more; busy machine)`);
      // The figure is the replica path's: the reads through the reader were the replica's answers (all of them,
      // unless the shared machine stalled replay past the wait now and then).
      expect((await served(reader, "replica")) - replicaReads).toBeGreaterThanOrEqual(350 * 0.9);
    } finally {
      direct.close();
      await plain.stop();
    }
  });

  it("answers from the primary when the replica is down, stays ready, says so once, and goes back to the replica", { timeout: 120_000 }, async () => {
    replica.stop();
    let restarted = false;
    try {
      const before = await served(reader, "primary_replica_unavailable");
      for (let i = 0; i < 5; i++) {
        const wrote = await toggle();
        const read = await readUser();
        expect(read.state).toBe(wrote.state);
        expect(read.ms).toBeLessThan(MAX_WAIT_MS + 1_500);
      }
      expect(await served(reader, "primary_replica_unavailable")).toBe(before + 5);
      expect((await fetch(`${reader.url}/readyz`)).status).toBe(200);
      expect(reader.log().split("read replica unusable").length - 1).toBe(1);

      replica.start();
      restarted = true;
      await replica.caughtUp();
      const replicaReads = await served(reader, "replica");
      // The replica is tried again a few seconds after the fault.
      expect(await pollUntil(async () => ((await readUser()).state === state && (await served(reader, "replica")) > replicaReads), 20_000, 250)).toBe(true);
      expect(reader.log()).toContain("read replica usable again");
    } finally {
      if (!restarted) replica.start();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)("DATABASE_READ_URL that accepts connections and never answers", () => {
  it("gives up on it within the wait and answers from the primary, saying so once", async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const scratch = await createScratchDatabase();
    const readUrl = new URL(scratch.url);
    readUrl.port = String((silent.address() as net.AddressInfo).port);
    const server = await startServerProcess({ DATABASE_URL: scratch.url, DATABASE_READ_URL: readUrl.toString(), DATABASE_READ_MAX_WAIT: "500ms", ADMIN_TOKEN: TOKEN });
    const clients = new Clients(server.url);
    try {
      const userId = await newHuman(clients, TOKEN, await newOrg(clients, TOKEN));
      const started = performance.now();
      expect(expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, TOKEN)).user?.state).toBe(UserState.ACTIVE);
      // The wait (500 ms) and the last check's grace (250 ms), plus the primary's read on a busy machine.
      expect(performance.now() - started).toBeLessThan(500 + 250 + 1_500);
      expect(held.length).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, TOKEN));
      expect(await served(server, "primary_replica_unavailable")).toBe(4);
      expect(await served(server, "replica")).toBe(0);
      expect(server.log().split("read replica unusable").length - 1).toBe(1);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      clients.close();
      await server.stop();
      held.forEach((socket) => socket.destroy());
      silent.close();
      await scratch.drop();
    }
  });
});

describe("DATABASE_READ_URL on PGlite", () => {
  it("is refused at start with a clear message: a replica needs a PostgreSQL primary", async () => {
    const server = await startServerProcess({ DATABASE_READ_URL: "postgres://postgres@127.0.0.1:5432/test" }, { waitHealthy: false });
    expect((await server.exited).code).toBe(1);
    expect(server.log()).toContain("DATABASE_READ_URL needs DATABASE_URL");
  });
});

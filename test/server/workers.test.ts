import http from "node:http";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Watcher } from "../events/watch-client.js";
import { seedUsers } from "../faults/load.js";
import { pollUntil, type ServerProcess, startServerProcess } from "../faults/server-process.js";
import { Clients } from "../harness/clients.js";
import { createScratchDatabase } from "../harness/databases.js";

const TOKEN = "workers-admin-token-0123456789";

/** GET over a fresh connection each time, so node's cluster hands each request to the next worker. */
function getOnNewConnection(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${path}`, { agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
  });
}

function counterValue(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return metrics
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((l) => line.includes(l)))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

describe("WORKERS on PGlite", () => {
  it("refuses WORKERS > 1 (the database lives in one process), and says why it runs one worker by default", async () => {
    const refused = await startServerProcess({ WORKERS: "2" }, { waitHealthy: false });
    expect((await refused.exited).code).toBe(1);
    expect(refused.log()).toContain("WORKERS > 1 needs DATABASE_URL");

    const single = await startServerProcess({ WORKERS: "" }, { waitHealthy: false });
    try {
      expect(await pollUntil(() => single.log().includes("one worker: the embedded PGlite database belongs to one process"), 30_000)).toBe(true);
    } finally {
      single.child.kill("SIGKILL");
      await single.exited;
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)("WORKERS=2 on PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let server: ServerProcess;
  let userIds: string[];
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    server = await startServerProcess({ DATABASE_URL: scratch.url, ADMIN_TOKEN: TOKEN, WORKERS: "2" });
    // Both workers answer before the tests begin.
    expect(await pollUntil(() => server.log().split('"message":"listening"').length - 1 === 2, 60_000)).toBe(true);
    userIds = await seedUsers(new Clients(server.url), TOKEN, 6);
  });
  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  it("serves the one port from both workers, and /metrics on any of them counts the calls of all", async () => {
    const before = counterValue((await getOnNewConnection(server.url, "/metrics")).body, "grpc_server_started_total", { grpc_method: "GetUserByID", protocol: "rest" });
    for (let i = 0; i < 20; i++) expect((await getOnNewConnection(server.url, `/v2/users/${userIds[0]}`)).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      const text = (await getOnNewConnection(server.url, "/metrics")).body;
      expect(counterValue(text, "grpc_server_started_total", { grpc_method: "GetUserByID", protocol: "rest" }) - before).toBe(20);
    }
  });

  it("SIGTERM: calls in flight finish, a live stream ends at once with a resumable Unavailable, exit 0", async () => {
    const watcher = new Watcher("grpc-js", server.url, TOKEN, { fromNow: true });
    await new Promise((r) => setTimeout(r, 300));
    const clients = new Clients(server.url);
    let stopping = false;
    const failures: string[] = [];
    let ok = 0;
    const loop = async (userId: string, i: number) => {
      let locked = false;
      for (let n = i; !stopping; n++) {
        const protocol = (["grpc", "connect-json", "grpc-web"] as const)[n % 3];
        const r = await clients.call(protocol, UserService, locked ? "unlockUser" : "lockUser", { userId }, TOKEN);
        if (r.ok) (ok++, (locked = !locked));
        else failures.push(`${protocol} ${Code[r.code]} ${r.text}`);
      }
    };
    const loops = userIds.map(loop);
    await pollUntil(() => ok >= 60 && watcher.events.length > 0, 30_000, 10);
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    stopping = true;
    await Promise.all(loops);
    await watcher.done;
    const streamEndedMs = Date.now() - signalled;
    const exit = await server.exited;
    clients.close();
    expect(failures).toEqual([]);
    expect(watcher.error).toEqual({ code: Code.Unavailable, reason: "EVENTS-server-shutting-down" });
    expect(watcher.lastPosition).toBeGreaterThan(0n);
    expect(streamEndedMs).toBeLessThan(5_000);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

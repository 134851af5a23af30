import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { createLogger } from "../../src/logger.js";
import { startApp } from "../../src/server/app.js";
import { Clients, expectOk, rest, rpcProtocols } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { startTestServer, type TestServer } from "../harness/server.js";

describe.each(databaseKinds)("operations on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { maxRequestBytes: 64 * 1024 });
    clients = new Clients(server.url);
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  it("answers /healthz, /readyz and grpc.health.v1 without a token", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    for (const protocol of rpcProtocols) {
      expect(expectOk(await clients.call(protocol, Health, "check", {})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it.each(rpcProtocols)("refuses a request over the size limit with ResourceExhausted over %s", async (protocol) => {
    const res = await clients.call(protocol, UserService, "lockUser", { userId: "x".repeat(100 * 1024) }, server.adminToken);
    expect(res).toMatchObject({ ok: false, code: Code.ResourceExhausted });
  });

  it("refuses a REST body over the size limit with 413", async () => {
    const res = await rest(server.url, "POST", "/v2/users/123/lock", { token: server.adminToken, body: { pad: "x".repeat(100 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe(Code.ResourceExhausted);
  });
});

describe("first start", () => {
  it("writes the admin token to DATA_DIR/admin.pat with mode 0600, once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "zl-data-"));
    const config = { port: 0, host: "127.0.0.1", dataDir, maxRequestBytes: 1 << 20, logLevel: "silent" as const };
    const first = await startApp(config, { log: createLogger("silent") });
    const token = readFileSync(join(dataDir, "admin.pat"), "utf8").trim();
    expect(token).toBe(first.adminToken);
    expect(statSync(join(dataDir, "admin.pat")).mode & 0o777).toBe(0o600);
    const clients = new Clients(first.url);
    expectOk(await clients.call("connect-json", ManagementService, "getMyOrg", {}, token));
    clients.close();
    await first.close();

    const second = await startApp(config, { log: createLogger("silent") });
    expect(second.adminToken).toBeUndefined();
    const again = new Clients(second.url);
    expectOk(await again.call("grpc", ManagementService, "getMyOrg", {}, token));
    again.close();
    await second.close();
  });
});

describe.runIf(databaseKinds.includes("postgres"))("several instances on one PostgreSQL", () => {
  it("migrate and bootstrap exactly once when started at the same time; ADMIN_TOKEN becomes the admin's token", async () => {
    const scratch = await createScratchDatabase();
    const config = { port: 0, host: "127.0.0.1", dataDir: ":memory:", databaseUrl: scratch.url, adminToken: "automation-token-0123456789", maxRequestBytes: 1 << 20, logLevel: "silent" as const };
    const apps = await Promise.all([1, 2, 3].map(() => startApp(config, { log: createLogger("silent") })));
    try {
      expect(apps.filter((a) => a.adminToken)).toHaveLength(1);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from events where type = 'instance.setup'`.execute(apps[0].database.db);
      expect(rows[0].n).toBe(1);
      for (const app of apps) {
        const clients = new Clients(app.url);
        expectOk(await clients.call("grpc", ManagementService, "getMyOrg", {}, "automation-token-0123456789"));
        clients.close();
      }
    } finally {
      for (const app of apps) await app.close();
      await scratch.drop();
    }
  });

  it("reports 503 on /readyz and NOT_SERVING while the database is unreachable (/healthz, liveness, stays 200), and recovers", async () => {
    const scratch = await createScratchDatabase();
    const target = new URL(scratch.url);
    let cut = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      if (cut) return client.destroy();
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String((proxy.address() as net.AddressInfo).port);
    const app = await startApp({ port: 0, host: "127.0.0.1", dataDir: ":memory:", databaseUrl: viaProxy.toString(), maxRequestBytes: 1 << 20, logLevel: "silent" }, { log: createLogger("silent") });
    const clients = new Clients(app.url);
    try {
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
      cut = true;
      for (const s of sockets) s.destroy();
      expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      expect(expectOk(await clients.call("grpc", Health, "check", {})).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      const refused = await clients.call("connect-json", UserService, "lockUser", { userId: "1" }, app.adminToken);
      expect(refused).toMatchObject({ ok: false, code: Code.Unavailable });
      cut = false;
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    } finally {
      clients.close();
      await app.close();
      proxy.close();
      await scratch.drop();
    }
  });
});

describe("SIGTERM", () => {
  it("drains in-flight requests and exits 0", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: ":memory:", ADMIN_TOKEN: "sigterm-admin-token-123", DATABASE_URL: "", LOG_LEVEL: "info" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        log += chunk;
        if (log.includes('"listening"')) resolve();
      });
      child.on("exit", () => reject(new Error(`server exited early: ${log}`)));
    });
    const clients = new Clients(`http://127.0.0.1:${port}`);
    // One HTTP/2 connection, established first, so all 30 calls are on the wire before the signal.
    expectOk(await clients.call("grpc", ManagementService, "getMyOrg", {}, "sigterm-admin-token-123"));
    const inFlight = Array.from({ length: 30 }, () => clients.call("grpc", ManagementService, "getMyOrg", {}, "sigterm-admin-token-123"));
    await new Promise((r) => setTimeout(r, 5));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const results = await Promise.all(inFlight);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(await exited).toBe(0);
    clients.close();
  });
});

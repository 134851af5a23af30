import { ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { createLogger } from "../../src/logger.js";
import { expectOk, rest, rpcProtocols } from "../harness/clients.js";
import { newHuman, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { startTestServer } from "../harness/server.js";
import { login, newHumanWithPassword, PASSWORD, WRONG } from "../login/helpers.js";
import { addApiKey, deactivatePath, v1 } from "../v1-surface/helpers.js";

/**
 * Prometheus text → the sum of the samples whose name and labels match. No matching sample is an error, so
 * "the counter moved" cannot pass on a metric that is missing; `absentAs` reads a series not yet created
 * (a labelled counter appears at its first increment) as that value, for the reading taken before.
 */
async function scrape(url: string) {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return (name: string, labels: Record<string, string> = {}, options: { absentAs?: number } = {}) => {
    let sum = 0;
    let found = false;
    for (const line of text.split("\n")) {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (!Object.entries(labels).every(([k, v]) => have[k] === v)) continue;
      found = true;
      sum += Number(m[3]);
    }
    if (found) return sum;
    if (options.absentAs !== undefined) return options.absentAs;
    throw new Error(`no sample of ${name} with ${JSON.stringify(labels)} in /metrics`);
  };
}

const transports = (baseUrl: string): Record<string, Transport> => ({
  grpc: createGrpcTransport({ baseUrl }),
  "grpc-web": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
  connect: createConnectTransport({ baseUrl, httpVersion: "1.1" }),
});

const log: string[] = [];

describeOnDatabases("metrics, request ids and request logs on %s", { overrides: { log: createLogger("info", { write: (line) => void log.push(line) }) }, orgs: 0 }, (t) => {
  const { server, clients } = t;

  it("counts and times calls by service, method, protocol and code; event appends; pool and process metrics", async () => {
    const before = await scrape(server.url);
    const labels = (protocol: string, code?: string) => ({ grpc_service: "zitadel.management.v1.ManagementService", grpc_method: "GetMyOrg", protocol, ...(code ? { grpc_code: code } : {}) });
    for (const protocol of rpcProtocols) expectOk(await clients.call(protocol, ManagementService, "getMyOrg", {}, server.adminToken));
    expect((await rest(server.url, "GET", "/management/v1/orgs/me", { token: server.adminToken })).status).toBe(200);
    expect((await rest(server.url, "GET", "/management/v1/orgs/me", { token: "wrong-token" })).status).toBe(401);
    const userId = await newHuman(clients, server.adminToken, await newOrg(clients, server.adminToken));
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId }, server.adminToken));
    const after = await scrape(server.url);
    const moved = (name: string, l: Record<string, string> = {}) => after(name, l) - before(name, l, { absentAs: 0 });

    expect(moved("grpc_server_handled_total", labels("grpc", "OK"))).toBe(1);
    expect(moved("grpc_server_handled_total", labels("grpc-web", "OK"))).toBe(1);
    expect(moved("grpc_server_handled_total", labels("connect", "OK"))).toBe(2); // JSON and binary
    expect(moved("grpc_server_handled_total", labels("rest", "OK"))).toBe(1);
    expect(moved("grpc_server_handled_total", labels("rest", "Unauthenticated"))).toBe(1);
    expect(moved("grpc_server_started_total", labels("rest"))).toBe(2);
    expect(moved("grpc_server_handling_seconds_count", labels("connect"))).toBe(2);
    expect(after("grpc_server_handling_seconds_bucket", { ...labels("grpc"), le: "+Inf" })).toBeGreaterThanOrEqual(1);
    expect(moved("grpc_server_handled_total", { grpc_method: "LockUser", protocol: "grpc", grpc_code: "OK" })).toBe(1);
    // a new org (its events), a new user, the lock: at least three appends
    expect(moved("eventstore_events_appended_total")).toBeGreaterThanOrEqual(3);
    expect(after("eventstore_append_conflicts_total")).toBeGreaterThanOrEqual(0);
    expect(after("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(after("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    if (t.kind === "postgres") {
      expect(after("db_pool_connections")).toBeGreaterThanOrEqual(1);
      expect(after("db_pool_idle_connections")).toBeGreaterThanOrEqual(0);
      expect(after("db_pool_waiting_requests")).toBe(0);
    }
  });

  it("accepts a sane x-request-id and returns it on every protocol, also on errors; replaces an insane one", async () => {
    for (const [protocol, transport] of Object.entries(transports(server.url))) {
      const orgs = createClient(ManagementService, transport);
      let header: Headers | undefined;
      await orgs.getMyOrg({}, { headers: { authorization: `Bearer ${server.adminToken}`, "x-request-id": `id-${protocol}` }, onHeader: (h) => (header = h) });
      expect(header?.get("x-request-id"), protocol).toBe(`id-${protocol}`);
      const refused = await orgs.getMyOrg({}, { headers: { "x-request-id": `refused-${protocol}` } }).catch((e: unknown) => ConnectError.from(e));
      expect((refused as ConnectError).metadata.get("x-request-id"), protocol).toBe(`refused-${protocol}`);
      await orgs.getMyOrg({}, { headers: { authorization: `Bearer ${server.adminToken}`, "x-request-id": "x".repeat(129) }, onHeader: (h) => (header = h) });
      expect(header?.get("x-request-id"), protocol).toMatch(/^[0-9a-f-]{36}$/);
      await orgs.getMyOrg({}, { headers: { authorization: `Bearer ${server.adminToken}` }, onHeader: (h) => (header = h) });
      expect(header?.get("x-request-id"), protocol).toMatch(/^[0-9a-f-]{36}$/);
    }
    const viaRest = await fetch(`${server.url}/management/v1/orgs/me`, { headers: { authorization: `Bearer ${server.adminToken}`, "x-request-id": "id-rest" } });
    expect(viaRest.headers.get("x-request-id")).toBe("id-rest");
    const notFound = await fetch(`${server.url}/no/such/path`, { headers: { "x-request-id": "id 404" } });
    expect(notFound.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const line = log.map((l) => JSON.parse(l)).find((l) => l.requestId === "id-grpc-web");
    expect(line).toMatchObject({ level: "info", message: "request", method: "zitadel.management.v1.ManagementService/GetMyOrg", protocol: "grpc-web", code: "OK" });
    expect(typeof line.durationMs).toBe("number");
    expect(typeof line.time).toBe("string");
    expect(line.principalId).toMatch(/^\d+$/);
  });

  it("logs one line per request and never a token, password or hash", async () => {
    // Only the lines of these calls: a first start on a throwaway (:memory:) database prints the admin token on purpose.
    log.length = 0;
    const orgId = await newOrg(clients, server.adminToken);
    const { userId } = await newHumanWithPassword(clients, server.adminToken, orgId);
    const session = expectOk(await login(clients, server.adminToken, { userId }, PASSWORD, "grpc"));
    await login(clients, server.adminToken, { userId }, WRONG, "connect-json");
    expectOk(await clients.call("connect-proto", UserService, "getUserByID", { userId }, session.sessionToken));
    await rest(server.url, "POST", `/v2/users/${userId}/password`, { token: server.adminToken, body: { newPassword: { password: "Another-Horse-7" } } });
    const { key: apiKey } = await addApiKey(clients, server.adminToken);
    const surface = await v1(server.url, "POST", deactivatePath(userId), { apiKey, token: server.adminToken, headers: { "x-request-id": "v1-call" } });
    expect(surface.status).toBe(204);
    expect(surface.headers.get("x-request-id")).toBe("v1-call");
    const text = log.join("");
    for (const secret of [server.adminToken, session.sessionToken, apiKey, PASSWORD, WRONG, "Another-Horse-7", "scrypt"]) expect(text).not.toContain(secret);
    const lines = log.map((l) => JSON.parse(l));
    for (const l of lines) for (const key of Object.keys(l)) expect(key).not.toMatch(/token|password|hash|authorization/i);
    const requests = lines.filter((l) => l.message === "request" && l.principalId === userId);
    expect(requests).toEqual([expect.objectContaining({ method: "zitadel.user.v2.UserService/GetUserByID", protocol: "connect", code: "OK" })]);
    const admin = lines.find((l) => l.method === "zitadel.user.v2.UserService/AddHumanUser")?.principalId;
    expect(lines.filter((l) => l.requestId === "v1-call")).toEqual([
      expect.objectContaining({ message: "request", method: `POST ${deactivatePath(userId)}`, protocol: "rest", code: 204, principalId: admin }),
    ]);
  });

  it("meters and logs SCIM and /v1 calls like RPCs: protocol label, code, one line each", async () => {
    const orgId = await newOrg(clients, server.adminToken);
    const userId = await newHuman(clients, server.adminToken, orgId);
    const { key: apiKey } = await addApiKey(clients, server.adminToken);
    const before = await scrape(server.url);
    const scimLabels = (code: string) => ({ grpc_service: "scim.v2", grpc_method: "GET Users", protocol: "scim", grpc_code: code });
    const v1Labels = { grpc_service: "v1", grpc_method: "userDeactivate", protocol: "rest", grpc_code: "OK" };
    const scimBefore = { ok: before("grpc_server_handled_total", scimLabels("OK"), { absentAs: 0 }), refused: before("grpc_server_handled_total", scimLabels("Unauthenticated"), { absentAs: 0 }) };
    const v1Before = before("grpc_server_handled_total", v1Labels, { absentAs: 0 });
    log.length = 0;
    const listed = await fetch(`${server.url}/scim/v2/${orgId}/Users`, { headers: { authorization: `Bearer ${server.adminToken}`, "x-request-id": "scim-call" } });
    expect(listed.status).toBe(200);
    expect((await fetch(`${server.url}/scim/v2/${orgId}/Users`)).status).toBe(401);
    expect((await v1(server.url, "POST", deactivatePath(userId), { apiKey, token: server.adminToken })).status).toBe(204);
    const after = await scrape(server.url);
    expect(after("grpc_server_handled_total", scimLabels("OK")) - scimBefore.ok).toBe(1);
    expect(after("grpc_server_handled_total", scimLabels("Unauthenticated")) - scimBefore.refused).toBe(1);
    expect(after("grpc_server_handled_total", v1Labels) - v1Before).toBe(1);
    expect(after("grpc_server_handling_seconds_count", { grpc_service: "scim.v2", protocol: "scim" })).toBeGreaterThanOrEqual(2);
    const lines = log.map((l) => JSON.parse(l)).filter((l) => l.message === "request" && l.protocol === "scim");
    expect(lines).toEqual([
      expect.objectContaining({ method: `GET /scim/v2/${orgId}/Users`, code: 200, requestId: "scim-call", principalId: expect.any(String) }),
      expect.objectContaining({ method: `GET /scim/v2/${orgId}/Users`, code: 401 }),
    ]);
  });
});

describe("METRICS_PORT", () => {
  it("serves /metrics on its own port and not on the API port", async () => {
    const server = await startTestServer("pglite", {}, { metricsPort: 0 });
    try {
      expect(server.app.metricsPort).toBeGreaterThan(0);
      const own = await fetch(`http://127.0.0.1:${server.app.metricsPort}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain("grpc_server_handled_total");
      expect((await fetch(`${server.url}/metrics`)).status).not.toBe(200);
    } finally {
      await server.stop();
    }
  });
});

import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Clients } from "../harness/clients.js";
import { newHuman, newMachine, newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { entraUser } from "../scim/helpers.js";
import { addApiKey } from "../v1-surface/helpers.js";
import { scratchDatabaseBehindProxy, type TcpProxy } from "./tcp-proxy.js";

// Real PostgreSQL only (PGlite runs in the process). With small timeouts, a database that answers every
// statement just inside DB_QUERY_TIMEOUT, or not at all, must not stretch a request past its budget of
// DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT, however many statements (or checks) the request runs.
const QUERY_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 500;
const BUDGET_MS = QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS;
// Event-loop lag of a busy machine (server and clients share this process); below one more statement, so a
// request that ran two slow statements one after the other (2 × 1.9 s) still fails the bound.
const SLACK_MS = 1_000;

describe.runIf(process.env.DATABASE_URL)("a per-request database budget (PostgreSQL)", () => {
  let database: Awaited<ReturnType<typeof scratchDatabaseBehindProxy>>;
  let proxy: TcpProxy;
  let server: TestServer;
  let clients: Clients;
  const unavailable: number[] = [];
  const others: string[] = [];
  let maxLagMs = 0;

  beforeAll(async () => {
    database = await scratchDatabaseBehindProxy();
    proxy = database.proxy;
    server = await startTestServer("postgres", {}, { databaseUrl: database.url, dbQueryTimeoutMs: QUERY_TIMEOUT_MS, dbConnectTimeoutMs: CONNECT_TIMEOUT_MS });
    clients = new Clients(server.url);
  });
  afterAll(async () => {
    clients?.close();
    await server?.app.close();
    await database?.drop();
    const slowest = Math.max(0, ...unavailable);
    console.log(`[faults] request budget: ${unavailable.length} answers 503, slowest ${slowest} ms against a bound of ${BUDGET_MS} ms (+${SLACK_MS} ms slack; longest event-loop stall ${maxLagMs} ms)`);
  });

  /** Runs a request; a 503 is timed, anything but a success or a 503 is noted. */
  async function timed(name: string, request: () => Promise<Response>) {
    const started = Date.now();
    const res = await request();
    const ms = Date.now() - started;
    await res.text();
    if (res.status === 503) unavailable.push(ms);
    else if (res.status >= 300) others.push(`${name}: ${res.status}`);
  }

  it("every request answers within the budget while each statement is slow or the database pauses", async () => {
    const orgId = await newOrg(clients, server.adminToken);
    const admin = await newMachine(clients, server.adminToken, orgId, ["ADMIN"]);
    const scimAdmin = await newMachine(clients, server.adminToken, orgId, ["ORG_USER_MANAGER"]);
    const key = await addApiKey(clients, server.adminToken);
    const users = await Promise.all(Array.from({ length: 6 }, () => newHuman(clients, server.adminToken, orgId)));
    const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
    const requests = (userId: string) => [
      () => timed("REST lock", () => fetch(`${server.url}/v2/users/${userId}/lock`, { method: "POST", headers: bearer(server.adminToken), body: "{}" })),
      () => timed("Connect get", () => fetch(`${server.url}/zitadel.user.v2.UserService/GetUserByID`, { method: "POST", headers: bearer(server.adminToken), body: JSON.stringify({ userId }) })),
      () => timed("/v1 deactivate", () => fetch(`${server.url}/v1/users/${userId}/deactivate`, { method: "POST", headers: { "x-api-key": key.key, authorization: `Bearer ${admin.token}`, "idempotency-ref": unique("ref") } })),
      () => timed("SCIM create", () => fetch(`${server.url}/scim/v2/${orgId}/Users`, { method: "POST", headers: { ...bearer(scimAdmin.token), "content-type": "application/scim+json" }, body: JSON.stringify(entraUser(`${unique("b")}@example.com`, "e")) })),
    ];
    // Open the pool's connections first, so the slow statements run on them (a new connection would just time out).
    await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${server.url}/zitadel.user.v2.UserService/GetUserByID`, { method: "POST", headers: bearer(server.adminToken), body: JSON.stringify({ userId: users[i % users.length] }) }).then((r) => r.text())));
    // Each statement answers just inside the query timeout: a request of several statements would add them up.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    proxy.delayReplies(QUERY_TIMEOUT_MS - 100);
    await Promise.all(users.flatMap((u) => requests(u).map((r) => r())));
    // And a database that stops answering at all.
    proxy.pause();
    await Promise.all(users.flatMap((u) => requests(u).map((r) => r())));
    proxy.forward();
    lag.disable();
    maxLagMs = Math.round(lag.max / 1e6);

    expect(others, "only successes and 503s").toEqual([]);
    expect(unavailable.length).toBeGreaterThan(10);
    expect(Math.max(...unavailable)).toBeLessThanOrEqual(BUDGET_MS + SLACK_MS);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { capturingLogger } from "../v1-surface/helpers.js";
import { scratchDatabaseBehindProxy, type TcpProxy } from "./tcp-proxy.js";

// Real PostgreSQL only. While the database is away, the log says so once, then once per interval, then
// once when it is back — not once per failed request or background attempt; the metrics still count
// every failed request.
const INTERVAL_MS = 1_000;
const OUTAGE_MS = 3_000;
const REQUESTS = 30;

describe.runIf(process.env.DATABASE_URL)("database outage in the log (PostgreSQL)", () => {
  let database: Awaited<ReturnType<typeof scratchDatabaseBehindProxy>>;
  let proxy: TcpProxy;
  let server: TestServer;
  const log = capturingLogger();

  beforeAll(async () => {
    database = await scratchDatabaseBehindProxy();
    proxy = database.proxy;
    server = await startTestServer(
      "postgres",
      { log },
      { databaseUrl: database.url, dbQueryTimeoutMs: 400, dbConnectTimeoutMs: 300, lockoutSweepIntervalMs: 200, outageLogIntervalMs: INTERVAL_MS },
    );
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  const unavailableHandled = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return text
      .split("\n")
      .filter((line) => line.startsWith("grpc_server_handled_total") && line.includes('grpc_code="Unavailable"'))
      .reduce((n, line) => n + Number(line.split(" ").at(-1)), 0);
  };

  it("one line when it goes, one per interval while away, one when back; every failure counted", async () => {
    const countedBefore = await unavailableHandled();
    const linesBefore = log.lines.length;
    proxy.mode = "blackhole";
    proxy.reset();
    const started = Date.now();
    let failed = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(`${server.url}/v2/users/123`, { headers: { authorization: "Bearer whatever-token-0123456789" } });
      await res.text();
      if (res.status === 503) failed++;
      await new Promise((r) => setTimeout(r, Math.max(0, (OUTAGE_MS * (i + 1)) / REQUESTS - (Date.now() - started))));
    }
    proxy.mode = "forward";
    await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status, { timeout: 15_000 }).toBe(200);
    await fetch(`${server.url}/v2/users/123`, { headers: { authorization: "Bearer whatever-token-0123456789" } }).then((r) => r.text());
    const outageMs = Date.now() - started;

    // per-request lines (the access log, and the final request's own refusal) are not about the outage
    const lines = log.lines.slice(linesBefore).filter((l) => l.message !== "request" && l.message !== "request refused");
    const errors = lines.filter((l) => l.level === "error" || l.level === "warn");
    const messages = lines.map((l) => l.message);
    console.log(`[faults] outage log: ${failed} failed requests in ${outageMs} ms, ${errors.length} warn/error lines: ${[...new Set(messages)].join("; ")}`);
    expect(failed).toBe(REQUESTS);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(2 + Math.ceil(outageMs / INTERVAL_MS));
    expect(messages.filter((m) => m === "database available again")).toHaveLength(1);
    expect((await unavailableHandled()) - countedBefore).toBeGreaterThanOrEqual(REQUESTS);
  });
});

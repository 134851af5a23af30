import { describe, expect, it } from "vitest";
import { createScratchDatabase } from "../harness/databases.js";
import { freePort, healthStatus, pollUntil, startServerProcess } from "./server-process.js";
import { TcpProxy } from "./tcp-proxy.js";

const retryLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.message === "database unreachable, retrying");

describe.runIf(process.env.DATABASE_URL)("start with the database down (PostgreSQL)", () => {
  it.each([
    ["nothing listening", "refused" as const, /ECONNREFUSED/],
    ["accepting but never answering", "blackhole" as const, /timeout/i],
  ])("%s: logs what is wrong as JSON, retries with backoff, serves once the database is up", async (_, fault, cause) => {
    const scratch = await createScratchDatabase();
    const target = new URL(scratch.url);
    const port = await freePort();
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) }, port);
    if (fault === "blackhole") {
      proxy.mode = "blackhole";
      await proxy.start();
    }
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String(port);
    const server = await startServerProcess(
      { DATABASE_URL: viaProxy.toString(), ADMIN_TOKEN: "startup-admin-token-0123456789", DB_CONNECT_TIMEOUT: "1s", DB_STARTUP_RETRY_MAX: "2s" },
      { waitHealthy: false },
    );
    try {
      expect(await pollUntil(() => retryLines(server.lines()).length >= 3 || server.ended() !== undefined, 60_000), server.log()).toBe(true);
      expect(server.ended(), server.log()).toBeUndefined();
      const lines = retryLines(server.lines());
      expect(lines[0]).toMatchObject({ level: "error", database: `127.0.0.1:${port}${target.pathname}` });
      expect(String(lines[0].cause)).toMatch(cause);
      // Backoff: the waits grow (capped by DB_STARTUP_RETRY_MAX).
      const waits = lines.map((l) => Number(l.retryInMs));
      expect(waits[1]).toBeGreaterThan(waits[0]);
      expect(Math.max(...waits)).toBeLessThanOrEqual(2_000);
      expect(JSON.stringify(server.lines())).not.toContain("postgres@"); // no credentials in the log
      // Alive (liveness) while waiting for the database, but not ready.
      expect((await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
      const starting = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(starting.status).toBe(503);
      expect(await starting.json()).toMatchObject({ message: "starting" });

      proxy.mode = "forward";
      if (fault === "refused") await proxy.start();
      await server.waitHealthy(60_000);
      expect(await healthStatus(server.url)).toBe(200);
      console.log(`[faults] start with the database ${fault}: ${retryLines(server.lines()).length} logged retries before serving`);
    } finally {
      await server.stop();
      await proxy.close();
      await scratch.drop();
    }
  });
});

describe("startup with a bad configuration", () => {
  it("exits 1 with one JSON line naming the problem", async () => {
    const server = await startServerProcess({ DB_QUERY_TIMEOUT: "soon" }, { waitHealthy: false });
    const { code } = await server.exited;
    expect(code).toBe(1);
    const lines = server.lines();
    expect(lines.at(-1)).toMatchObject({ level: "error", message: "startup failed" });
    expect(String(lines.at(-1)?.cause)).toContain("soon");
    expect(server.log().trim().split("\n").every((l) => l.startsWith("{"))).toBe(true);
  });
});

import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type RunningServer } from "../../src/server/listen.js";

// Node closes an idle HTTP/1.1 keep-alive connection after its own 5 s default; the server's idle
// timeout (HTTP_IDLE_TIMEOUT) must decide instead, as it does for HTTP/2.
const IDLE_TIMEOUT_MS = 7_000;

describe("HTTP/1.1 keep-alive follows the idle timeout", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen({ handler: (_req, res) => res.end("ok"), port: 0, host: "127.0.0.1", idleTimeoutMs: IDLE_TIMEOUT_MS });
  });
  afterAll(async () => {
    await server?.close(100);
  });

  it("an idle keep-alive connection stays open past node's default and closes at the idle timeout", async () => {
    const socket = net.connect(server.port, "127.0.0.1");
    socket.on("error", () => {});
    let answered = 0;
    socket.on("data", () => answered++);
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    await expect.poll(() => answered).toBeGreaterThan(0);
    const idleFrom = Date.now();
    await new Promise((r) => setTimeout(r, 6_000));
    expect(socket.destroyed, "closed before the idle timeout").toBe(false);
    const closedAt = await closed;
    expect(closedAt - idleFrom).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
    expect(closedAt - idleFrom).toBeLessThan(IDLE_TIMEOUT_MS + 3_000);
  }, 20_000);
});

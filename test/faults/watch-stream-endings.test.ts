import http2 from "node:http2";
import net from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../harness/databases.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { grpcFrame } from "./bad-input-wire.js";

/**
 * Every way a WatchEvents stream can end while its backlog is still being sent (the client is not reading,
 * so the server is blocked on flow control mid-backlog) must remove its watcher, finish the call, and leave
 * the shared reader idle once nobody watches.
 */
const WATCH = "/lifecycle.event.v1.EventService/WatchEvents";
const BACKLOG_EVENTS = 5_000;
const IDLE_TIMEOUT_MS = 1_500;

let streamsEnded = 0;
let watchersLeft = 0;

/** Open a stream with an empty filter and wait until the server has sent part of the backlog. */
async function h2Stream(server: TestServer, createConnection?: () => net.Socket) {
  const session = http2.connect(server.url, createConnection ? { createConnection } : {});
  session.on("error", () => {});
  const req = session.request({ ":method": "POST", ":path": WATCH, "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${server.adminToken}` });
  req.on("error", () => {});
  req.end(grpcFrame(new Uint8Array()));
  // Read some of it, then stop reading: HTTP/2 flow control stops the server in the middle of the backlog.
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > 64 * 1024) {
        req.pause();
        resolve();
      }
    });
    req.once("close", () => reject(new Error("stream closed before the backlog was under way")));
  });
  await expect.poll(() => server.app.events.watchers, { timeout: 10_000 }).toBeGreaterThan(0);
  return { session, req };
}

/** The same over HTTP/1.1 (Connect streaming), on a raw socket the test can destroy. */
async function h1Stream(server: TestServer) {
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), "127.0.0.1");
  socket.on("error", () => {});
  const body = grpcFrame(new Uint8Array());
  socket.write(
    `POST ${WATCH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/connect+proto\r\nConnect-Protocol-Version: 1\r\n` +
      `Authorization: Bearer ${server.adminToken}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > 64 * 1024) {
        socket.pause();
        resolve();
      }
    });
    socket.once("close", () => reject(new Error("socket closed before the backlog was under way")));
  });
  await expect.poll(() => server.app.events.watchers, { timeout: 10_000 }).toBeGreaterThan(0);
  return socket;
}

async function watchCalls(server: TestServer): Promise<{ started: number; finished: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith(name) && line.includes('grpc_method="WatchEvents"'))
      .reduce((n, line) => n + Number(line.split(" ").at(-1)), 0);
  return { started: sum("grpc_server_started_total"), finished: sum("grpc_server_handled_total") };
}

/** The watcher is gone, the call has finished, and the shared reader stopped polling. */
async function expectIdle(server: TestServer) {
  streamsEnded++;
  try {
    await expect.poll(() => server.app.events.watchers, { timeout: IDLE_TIMEOUT_MS + 8_000 }).toBe(0);
  } finally {
    watchersLeft += server.app.events.watchers;
  }
  await expect.poll(() => server.app.events.position, { timeout: 5_000 }).toBeUndefined();
  await expect.poll(async () => { const c = await watchCalls(server); return c.started - c.finished; }, { timeout: 5_000 }).toBe(0);
}

describe.each(databaseKinds)("WatchEvents stream endings mid-backlog (%s)", (kind) => {
  let server: TestServer;
  let stopped = false;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { http: { idleTimeoutMs: IDLE_TIMEOUT_MS }, watch: { pollIntervalMs: 50 } });
    await sql`
      insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
      select 'test', 'bulk', g, 'test.written', jsonb_build_object('pad', repeat('x', 400), 'n', g), 'writer', 'test', now()
      from generate_series(1, ${BACKLOG_EVENTS}) g`.execute(server.app.database.db);
  }, 120_000);
  afterAll(async () => {
    if (!stopped) await server?.stop();
    console.log(`[faults] watch stream endings (${kind}): ${streamsEnded} streams ended mid-backlog, ${watchersLeft} watchers left`);
  });

  it("client cancel (RST_STREAM CANCEL)", async () => {
    const { session, req } = await h2Stream(server);
    req.close(http2.constants.NGHTTP2_CANCEL);
    await expectIdle(server);
    session.destroy();
  });

  it("RST_STREAM with an error code", async () => {
    const { session, req } = await h2Stream(server);
    req.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    await expectIdle(server);
    session.destroy();
  });

  it("the TCP socket destroyed under HTTP/2 (no RST_STREAM, no GOAWAY)", async () => {
    let socket: net.Socket | undefined;
    const { port } = new URL(server.url);
    await h2Stream(server, () => (socket = net.connect(Number(port), "127.0.0.1")));
    socket!.destroy();
    await expectIdle(server);
  });

  it("the TCP socket destroyed under HTTP/1.1 (the server's next write fails)", async () => {
    const socket = await h1Stream(server);
    socket.destroy();
    await expectIdle(server);
  });

  it("the session closed by the idle timeout while the client does not read", async () => {
    const { session } = await h2Stream(server);
    await expectIdle(server);
    session.destroy();
  });

  it("server shutdown", async () => {
    const { session } = await h2Stream(server);
    const events = server.app.events;
    stopped = true;
    const stopping = server.stop();
    streamsEnded++;
    // The watcher is gone while the stuck connection still has its grace period.
    await expect.poll(() => events.watchers, { timeout: 5_000 }).toBe(0);
    watchersLeft += events.watchers;
    await expect.poll(() => events.position, { timeout: 5_000 }).toBeUndefined();
    session.destroy();
    await stopping;
  });
});

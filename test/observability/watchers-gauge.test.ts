import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventService } from "../../gen/lifecycle/event/v1/event_service_pb.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// How many WatchEvents streams are open, as a metric.
describe("events_watchers gauge", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer("pglite");
  });
  afterAll(async () => {
    await server?.stop();
  });

  const watchers = async () => {
    const text = await (await fetch(new URL("/metrics", server.url))).text();
    return Number(/^events_watchers (\d+)/m.exec(text)?.[1]);
  };

  it("counts open WatchEvents streams and drops when they end", async () => {
    expect(await watchers()).toBe(0);
    const client = createClient(EventService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
    const abort = new AbortController();
    const stream = client.watchEvents({ fromNow: true }, { headers: { authorization: `Bearer ${server.adminToken}` }, signal: abort.signal });
    const reading = (async () => {
      for await (const _ of stream) {
        // heartbeats or events: only the stream being open matters here
      }
    })().catch(() => {});
    await expect.poll(watchers, { timeout: 10_000 }).toBe(1);
    abort.abort();
    await reading;
    await expect.poll(watchers, { timeout: 10_000 }).toBe(0);
  });
});

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";
import { services } from "../../src/api/routes.js";
import { expectOk, rpcProtocols } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { startTestServer } from "../harness/server.js";
import { TcpProxy } from "../faults/tcp-proxy.js";

/** Reads a Watch stream into an array; `next(n)` waits until n statuses have arrived. */
function watch(url: string, service: string) {
  const client = createClient(Health, createGrpcTransport({ baseUrl: url }));
  const abort = new AbortController();
  const seen: Status[] = [];
  let wake = () => {};
  let over = false;
  const ended = (async () => {
    for await (const r of client.watch({ service }, { signal: abort.signal, timeoutMs: 120_000 })) {
      seen.push(r.status);
      wake();
    }
  })()
    .catch((e: unknown) => ConnectError.from(e))
    .finally(() => (over = true));
  return {
    seen,
    ended,
    cancel: () => abort.abort(),
    async next(n: number) {
      while (seen.length < n) {
        if (over) throw new Error(`watch ended after ${JSON.stringify(seen)}: ${await ended}`);
        await Promise.race([new Promise<void>((r) => (wake = r)), ended]);
      }
      return seen[n - 1];
    },
  };
}

describeOnDatabases("grpc.health.v1 on %s", { config: { healthWatchIntervalMs: 100 }, orgs: 0 }, (t) => {
  const { server, clients } = t;

  it.each(rpcProtocols)("Check answers SERVING for the server and every registered service, NotFound for others, over %s", async (protocol) => {
    for (const service of ["", ...services.map((s) => s.typeName)]) {
      expect(expectOk(await clients.call(protocol, Health, "check", { service })).status).toBe(Status.SERVING);
    }
    expect(await clients.call(protocol, Health, "check", { service: "no.such.Service" })).toMatchObject({ ok: false, code: Code.NotFound });
  });

  it("Watch sends the current status; an unknown service is SERVICE_UNKNOWN", async () => {
    const server_ = watch(server.url, "");
    const unknown = watch(server.url, "no.such.Service");
    expect(await server_.next(1)).toBe(Status.SERVING);
    expect(await unknown.next(1)).toBe(Status.SERVICE_UNKNOWN);
    server_.cancel();
    unknown.cancel();
  });

  it("/healthz (liveness) and /readyz (readiness) answer 200 without a token", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "SERVING" });
  });
});

describe.runIf(databaseKinds.includes("postgres"))("health follows the database", () => {
  it("Watch streams NOT_SERVING when PostgreSQL goes away and SERVING when it is back; /readyz 503 while /healthz stays 200; shutdown ends the watch", async () => {
    const scratch = await createScratchDatabase();
    const target = new URL(scratch.url);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String(await proxy.start());
    const server = await startTestServer("postgres", {}, { databaseUrl: viaProxy.toString(), adminToken: "health-admin-token-0123456789", healthWatchIntervalMs: 100, healthCheckTimeoutMs: 1_000 });
    try {
      const w = watch(server.url, "zitadel.user.v2.UserService");
      expect(await w.next(1)).toBe(Status.SERVING);
      proxy.mode = "refuse";
      proxy.reset();
      expect(await w.next(2)).toBe(Status.NOT_SERVING);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      proxy.forward();
      expect(await w.next(3)).toBe(Status.SERVING);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      await server.app.close();
      expect(await w.ended).toBeUndefined(); // ended with OK, not an error
      expect(w.seen).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING, Status.NOT_SERVING]);
    } finally {
      await server.app.close().catch(() => {});
      await proxy.close();
      await scratch.drop();
    }
  });
});

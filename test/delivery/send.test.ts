import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointRefusal, refusal } from "../../src/domain/action/address-policy.js";
import { send } from "../../src/delivery/send.js";

const open = { allowPrivate: true };
const closed = { allowPrivate: false };

describe("address policy", () => {
  it("always refuses link-local and cloud metadata addresses, and private ones only when told", () => {
    for (const address of ["169.254.169.254", "169.254.0.1", "fd00:ec2::254", "::ffff:169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1"]) {
      expect(refusal(address, open), address).toBeDefined();
    }
    for (const address of ["127.0.0.1", "10.0.0.1", "192.168.1.1", "::1", "fd12::1", "100.64.0.1"]) {
      expect(refusal(address, open), address).toBeUndefined();
      expect(refusal(address, closed), address).toBeDefined();
    }
    expect(refusal("8.8.8.8", closed)).toBeUndefined();
    expect(endpointRefusal("http://localhost:8080/x", closed)).toBeDefined();
    expect(endpointRefusal("https://user:pw@example.com", open)).toBeDefined();
    expect(endpointRefusal("https://example.com/hook", closed)).toBeUndefined();
  });
});

describe("one delivery attempt over HTTP", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "/ok" });
        return res.end();
      }
      if (req.url === "/huge") {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, "x");
        const pump = () => {
          while (res.write(chunk));
        };
        res.on("drain", pump);
        pump();
        return;
      }
      if (req.url === "/trickle") {
        res.writeHead(200);
        const timer = setInterval(() => res.write("."), 100);
        res.on("close", () => clearInterval(timer));
        return;
      }
      res.writeHead(200);
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const options = { timeoutMs: 1000, bodyLimit: 1024, policy: open };

  it("keeps one connection open for consecutive deliveries, and sends again when the receiver closed it meanwhile", async () => {
    const sockets = new Set<unknown>();
    const onConnection = (socket: unknown) => sockets.add(socket);
    server.on("connection", onConnection);
    try {
      for (let i = 0; i < 5; i++) expect(await send(`${base}/ok`, {}, "{}", options)).toMatchObject({ status: 200 });
      expect(sockets.size).toBe(1);
      // The receiver drops its idle connection (whether or not the client noticed yet): the next call still succeeds.
      for (const socket of sockets) (socket as import("node:net").Socket).destroy();
      expect(await send(`${base}/ok`, {}, "{}", options)).toMatchObject({ status: 200 });
    } finally {
      server.off("connection", onConnection);
    }
  });

  it("does not follow a redirect: the 3xx is the answer", async () => {
    expect(await send(`${base}/redirect`, {}, "{}", options)).toMatchObject({ status: 302 });
  });

  it("reads a huge answer only up to the limit, then drops the connection", async () => {
    const result = await send(`${base}/huge`, {}, "{}", options);
    expect(result.status).toBe(200);
    expect(result.body?.length).toBe(1024);
  });

  it("gives up on a trickling receiver at the timeout", async () => {
    const result = await send(`${base}/trickle`, {}, "{}", { ...options, timeoutMs: 500 });
    expect(result.status).toBeUndefined();
    expect(result.error).toMatch(/timeout/);
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it("refuses loopback when private targets are refused, by literal address and by a name that resolves there", async () => {
    expect((await send(`${base}/ok`, {}, "{}", { ...options, policy: closed })).error).toMatch(/refused address/);
    const port = (server.address() as AddressInfo).port;
    const byName = await send(`http://localhost:${port}/ok`, {}, "{}", { ...options, policy: closed });
    expect(byName.status).toBeUndefined();
    expect(byName.error).toMatch(/refused address/);
    expect(await send(`http://localhost:${port}/ok`, {}, "{}", options)).toMatchObject({ status: 200 });
  });
});

import { readdirSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { Clients, expectOk, rpcProtocols } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// Connection handling does not depend on the database: one kind is enough (PostgreSQL when present, it starts faster).
const kind = databaseKinds[databaseKinds.length - 1];
const LIMITS = { idleTimeoutMs: 500, headersTimeoutMs: 500, requestTimeoutMs: 700, maxConcurrentStreams: 20 };
const HOSTILE = 50;

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
/** HEADERS on stream 1 (:method POST, :path /) without END_HEADERS: the server waits for a CONTINUATION that never comes. */
const OPEN_HEADERS = Buffer.from([0, 0, 2, 1, 0, 0, 0, 0, 1, 0x83, 0x84]);

const openFds = () => readdirSync("/proc/self/fd").length;

function rawSocket(port: number, ...chunks: Buffer[]): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () => {
      for (const c of chunks) sock.write(c);
      resolve(sock);
    });
    sock.once("error", reject);
    sock.resume();
  });
}

const closed = (sock: net.Socket | http2.ClientHttp2Session) =>
  new Promise<void>((r) => (sock.destroyed ? r() : sock.once("close", () => r())));

describe(`hostile connections (${kind})`, () => {
  let server: TestServer;
  let clients: Clients;
  let port: number;
  let baselineFds: number;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { http: LIMITS });
    port = server.app.port;
    clients = new Clients(server.url);
    // warm up every protocol's client once, so its own connection counts in the baseline
    await normalCallsSucceed();
    baselineFds = openFds();
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  async function normalCallsSucceed(): Promise<void> {
    for (const protocol of rpcProtocols) {
      const res = expectOk(await clients.call(protocol, ManagementService, "getMyOrg", {}, server.adminToken));
      expect(res.org?.name).toBe("ZITADEL");
    }
  }

  /** Opens the hostile load, checks a normal call meanwhile, then waits until the server has closed all of it. */
  async function survive(open: () => Promise<(net.Socket | http2.ClientHttp2Session)[]>, atLeast = HOSTILE): Promise<void> {
    const hostile = await open();
    // each connection is two descriptors here (client and server end), at least one while it is open
    expect(openFds()).toBeGreaterThanOrEqual(baselineFds + atLeast);
    await normalCallsSucceed();
    await Promise.all(hostile.map(closed));
    await expect.poll(openFds, { timeout: 10_000 }).toBeLessThanOrEqual(baselineFds + 2);
    await normalCallsSucceed();
  }

  it(`closes ${HOSTILE} HTTP/1.1 connections that send headers slowly (slowloris)`, async () => {
    await survive(async () => {
      const socks = await Promise.all(Array.from({ length: HOSTILE }, () => rawSocket(port, Buffer.from("GET /healthz HTTP/1.1\r\n"))));
      // one more header line now and then, never the blank line that ends them
      const drip = setInterval(() => socks.forEach((s) => !s.destroyed && s.write("x-drip: 1\r\n")), 100);
      void Promise.all(socks.map(closed)).then(() => clearInterval(drip));
      return socks;
    });
  });

  it(`closes ${HOSTILE} connections that send nothing at all`, async () => {
    await survive(() => Promise.all(Array.from({ length: HOSTILE }, () => rawSocket(port))));
  });

  it(`closes ${HOSTILE} idle HTTP/1.1 keep-alive connections after a request`, async () => {
    await survive(async () => {
      const socks = await Promise.all(
        Array.from({ length: HOSTILE }, () => rawSocket(port, Buffer.from("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))),
      );
      return socks;
    });
  });

  it(`closes ${HOSTILE} HTTP/2 connections that send only the preface`, async () => {
    await survive(() => Promise.all(Array.from({ length: HOSTILE }, () => rawSocket(port, PREFACE))));
  });

  it(`closes ${HOSTILE} HTTP/2 connections that never finish their headers`, async () => {
    await survive(() => Promise.all(Array.from({ length: HOSTILE }, () => rawSocket(port, PREFACE, EMPTY_SETTINGS, OPEN_HEADERS))));
  });

  it("resets unfinished HTTP/2 streams, at most maxConcurrentStreams per session, then closes the sessions", async () => {
    const sessions = 5;
    const perSession = 60;
    let refusedOrReset = 0;
    let streams = 0;
    await survive(async () => {
      // grpc-style POSTs whose body never ends, more than the advertised stream limit
      const list = Array.from({ length: sessions }, () => http2.connect(server.url));
      const opened = await Promise.all(
        list.map(
          (session) =>
            new Promise<http2.ClientHttp2Session>((resolve) => {
              session.on("error", () => {});
              session.once("remoteSettings", (s) => {
                expect(s.maxConcurrentStreams).toBe(LIMITS.maxConcurrentStreams);
                resolve(session);
              });
            }),
        ),
      );
      for (const session of opened) {
        for (let i = 0; i < perSession; i++) {
          const stream = session.request({
            ":method": "POST",
            ":path": "/zitadel.management.v1.ManagementService/GetMyOrg",
            "content-type": "application/grpc",
            authorization: `Bearer ${server.adminToken}`,
          });
          streams++;
          stream.on("error", () => {});
          stream.once("close", () => stream.rstCode && refusedOrReset++);
          stream.write(Buffer.from([0, 0, 0, 0, 10])); // promises 10 bytes, sends none
        }
      }
      return opened;
    }, sessions);
    expect(refusedOrReset).toBe(streams);
  });
});

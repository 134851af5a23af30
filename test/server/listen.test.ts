import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { listen, type ListenOptions, type RequestHandler, type RunningServer } from "../../src/server/listen.js";

const echo: RequestHandler = (req, res) => {
  let size = 0;
  req.on("data", (c: Buffer) => (size += c.length));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ method: req.method, url: req.url, httpVersion: req.httpVersion, size }));
  });
};

let running: RunningServer[] = [];
async function start(opts: Partial<ListenOptions> = {}): Promise<RunningServer> {
  const s = await listen({ handler: echo, port: 0, host: "127.0.0.1", ...opts });
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.map((s) => s.close(100)));
  running = [];
});

interface Echo {
  method: string;
  url: string;
  httpVersion: string;
  size: number;
}

function h2request(
  url: string,
  path: string,
  opts: { method?: string; body?: Buffer; connect?: http2.SecureClientSessionOptions } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(url, opts.connect);
    client.on("error", reject);
    const req = client.request({ ":method": opts.method ?? "GET", ":path": path });
    let status = 0;
    let body = "";
    req.on("response", (h) => (status = Number(h[":status"])));
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      client.close();
      resolve({ status, body });
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Raw socket: writes chunks with a pause in between, resolves with everything read until the server closes. */
function raw(port: number, chunks: (string | Buffer)[], gapMs = 50): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let out = "";
    sock.setEncoding("latin1");
    sock.on("data", (c: string) => (out += c));
    sock.on("close", () => resolve(out));
    sock.on("error", reject);
    sock.on("connect", async () => {
      for (const c of chunks) {
        sock.write(c);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

describe("listen: one port for HTTP/1.1 and h2c", () => {
  it("serves HTTP/1.1 (fetch)", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/a/b?c=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ method: "GET", url: "/a/b?c=1", httpVersion: "1.1" });
  });

  it("serves HTTP/2 with prior knowledge", async () => {
    const s = await start();
    const res = await h2request(s.url, "/x");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ method: "GET", url: "/x", httpVersion: "2.0" });
  });

  it("delivers a 1 MiB POST body intact over both protocols", async () => {
    const s = await start();
    const body = Buffer.alloc(1024 * 1024, 7);
    const r1 = await fetch(`${s.url}/up`, { method: "POST", body });
    expect(((await r1.json()) as Echo).size).toBe(body.length);
    const r2 = await h2request(s.url, "/up", { method: "POST", body });
    expect((JSON.parse(r2.body) as Echo).size).toBe(body.length);
  });

  it("handles the first bytes split across writes", async () => {
    const s = await start();
    const h1 = await raw(s.port, ["G", "ET /split HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]);
    expect(h1).toMatch(/^HTTP\/1\.1 200/);
    expect(h1).toContain('"url":"/split"');

    const h1p = await raw(s.port, ["PR", "OPFIND /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]);
    expect(h1p).toMatch(/^HTTP\/1\.1 200/);
    expect(h1p).toContain('"method":"PROPFIND"');

    // A proxy in front of the h2 client: forwards the preface as "PR" + rest, then pipes normally.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(s.port, "127.0.0.1");
      let first = true;
      client.on("data", (c: Buffer) => {
        if (first) {
          first = false;
          upstream.write(c.subarray(0, 2));
          setTimeout(() => upstream.write(c.subarray(2)), 50);
        } else setTimeout(() => upstream.write(c), 60);
      });
      upstream.pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const res = await h2request(`http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`, "/h2split");
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ url: "/h2split", httpVersion: "2.0" });
    } finally {
      proxy.close();
    }
  });

  it("closes a slowloris connection after headersTimeoutMs", async () => {
    const s = await start({ headersTimeoutMs: 300 });
    const t0 = Date.now();
    const out = await raw(s.port, ["GET / HTTP/1.1\r\n"]);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    expect(out).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  it("closes a connection that never sends anything after headersTimeoutMs", async () => {
    const s = await start({ headersTimeoutMs: 300 });
    const t0 = Date.now();
    await raw(s.port, []);
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});

describe("listen: close()", () => {
  it("lets in-flight requests finish, then refuses connections", async () => {
    const s = await start({
      handler: (_req, res) => void setTimeout(() => res.end("late"), 300),
    });
    const h1 = fetch(`${s.url}/slow`);
    const h2 = h2request(s.url, "/slow");
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await s.close(2000);
    expect(Date.now() - t0).toBeLessThan(1500);
    const r1 = await h1;
    expect(r1.status).toBe(200);
    expect(await r1.text()).toBe("late");
    expect(await h2).toEqual({ status: 200, body: "late" });
    await expect(fetch(`${s.url}/again`)).rejects.toThrow();
  });

  it("closes idle keep-alive and h2 connections promptly", async () => {
    const s = await start();
    await fetch(`${s.url}/`).then((r) => r.text());
    const client = http2.connect(s.url);
    client.on("error", () => {});
    await new Promise<void>((r) => client.once("remoteSettings", () => r()));
    const goaway = new Promise<void>((r) => client.once("goaway", () => r()));
    const t0 = Date.now();
    await s.close(5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    await goaway;
    client.destroy();
  });

  it("destroys hung requests after graceMs", async () => {
    const s = await start({ handler: () => {} });
    const h1 = fetch(`${s.url}/hang`).then(
      () => "resolved",
      () => "rejected",
    );
    const h2 = h2request(s.url, "/hang").then(
      (r) => r.status,
      () => "rejected",
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await s.close(200);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
    expect(await h1).toBe("rejected");
    // The stream is torn down without a response (no :status), or the client reports an error.
    expect([0, "rejected"]).toContain(await h2);
  });
});

describe("listen: TLS", () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "listen-tls-"));
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", "k.pem", "-out", "c.pem"],
      { cwd: dir, stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "c.pem"));
    key = readFileSync(join(dir, "k.pem"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves HTTP/2 via ALPN", async () => {
    const s = await start({ tls: { cert, key } });
    expect(s.url).toMatch(/^https:/);
    const res = await h2request(s.url, "/tls", { connect: { rejectUnauthorized: false } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ url: "/tls", httpVersion: "2.0" });
  });

  it("serves HTTP/1.1 via ALPN", async () => {
    const s = await start({ tls: { cert, key } });
    const body = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${s.url}/tls1`, { method: "POST", rejectUnauthorized: false }, (res) => {
        let b = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (b += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      req.on("error", reject);
      req.end(Buffer.alloc(256 * 1024, 1));
    });
    expect(body.status).toBe(200);
    expect(JSON.parse(body.body)).toMatchObject({ method: "POST", url: "/tls1", httpVersion: "1.1", size: 256 * 1024 });
  });

  it("close() destroys hung TLS requests after graceMs", async () => {
    const s = await start({ tls: { cert, key }, handler: () => {} });
    const req = https.request(`${s.url}/hang`, { rejectUnauthorized: false });
    const done = new Promise<string>((r) => {
      req.on("error", () => r("error"));
      req.on("response", () => r("response"));
    });
    req.end();
    await new Promise((r) => setTimeout(r, 150));
    const t0 = Date.now();
    await s.close(200);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await done).toBe("error");
  });
});

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/** Resolves when the server closes the raw socket (or rejects on the test's timeout). */
function closed(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => (sock.destroyed ? resolve() : sock.once("close", () => resolve())));
}

function rawConnect(port: number, first: string | Buffer): Promise<net.Socket> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1", () => {
      sock.write(first);
      resolve(sock);
    });
    sock.on("error", () => {});
    sock.resume();
  });
}

describe("listen: HTTP/2 limits", () => {
  it("closes an HTTP/2 connection that sends only the preface after idleTimeoutMs, and not before", async () => {
    const s = await start({ idleTimeoutMs: 300 });
    const startedAt = Date.now();
    const sock = await rawConnect(s.port, PREFACE);
    await closed(sock);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(280);
    // The same connection on a server with a long idle timeout stays open: the timer closed it, nothing else.
    const patient = await start({ idleTimeoutMs: 60_000 });
    const open = await rawConnect(patient.port, PREFACE);
    const outcome = await Promise.race([closed(open).then(() => "closed"), new Promise((r) => setTimeout(() => r("open"), 1_000))]);
    expect(outcome).toBe("open");
    open.destroy();
  });

  it("closes an idle HTTP/2 session after a request, and an idle HTTP/1.1 socket", async () => {
    const s = await start({ idleTimeoutMs: 300 });
    const client = http2.connect(s.url);
    client.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      const req = client.request({ ":path": "/" });
      req.on("error", reject).resume().on("end", () => resolve());
      req.end();
    });
    await new Promise<void>((r) => (client.closed ? r() : client.once("close", () => r())));
    const h1 = await rawConnect(s.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await closed(h1);
  });

  it("keeps a session whose response is still streaming past idleTimeoutMs", async () => {
    const s = await start({
      idleTimeoutMs: 300,
      handler: (_req, res) => {
        let n = 0;
        const tick = setInterval(() => {
          (res as http2.Http2ServerResponse).write(`${n}\n`);
          if (++n === 10) {
            clearInterval(tick);
            res.end();
          }
        }, 100);
      },
    });
    const res = await h2request(s.url, "/stream");
    expect(res.status).toBe(200);
    expect(res.body.trim().split("\n")).toHaveLength(10);
  });

  it("counts the client's PINGs as activity: a pinging session outlives idleTimeoutMs, then closes when they stop", async () => {
    const s = await start({ idleTimeoutMs: 300 });
    const client = http2.connect(s.url);
    client.on("error", () => {});
    await new Promise<void>((r) => client.once("remoteSettings", () => r()));
    let pings = 0;
    const closedEarly = new Promise<boolean>((resolve) => {
      const tick = setInterval(() => {
        if (client.closed || client.destroyed) return clearInterval(tick), resolve(true);
        // answered pings prove the session is open; stop after enough to span several idle timeouts
        client.ping(() => ++pings >= 12 && (clearInterval(tick), resolve(false)));
      }, 100);
    });
    expect(await closedEarly).toBe(false);
    await new Promise<void>((r) => (client.closed ? r() : client.once("close", () => r())));
  });

  it("resets a stream whose request body never ends after requestTimeoutMs, and keeps the session", async () => {
    const s = await start({ requestTimeoutMs: 300, idleTimeoutMs: 30_000 });
    const client = http2.connect(s.url);
    client.on("error", () => {});
    const hung = client.request({ ":method": "POST", ":path": "/hung" });
    hung.on("error", () => {});
    hung.write("partial");
    const rst = await new Promise<number>((r) => hung.once("close", () => r(hung.rstCode ?? -1)));
    expect(rst).toBe(http2.constants.NGHTTP2_CANCEL);
    const ok = client.request({ ":path": "/after" });
    const status = await new Promise<number>((resolve, reject) => {
      ok.on("response", (h) => resolve(Number(h[":status"])));
      ok.on("error", reject);
      ok.end();
    });
    expect(status).toBe(200);
    client.destroy();
  });

  it("advertises maxConcurrentStreams and starts no more handlers than that per session", async () => {
    let hung = 0;
    const s = await start({
      maxConcurrentStreams: 3,
      requestTimeoutMs: 30_000,
      handler: (req, res) => (req.method === "POST" ? void hung++ : echo(req, res)),
    });
    const client = http2.connect(s.url);
    client.on("error", () => {});
    await new Promise<void>((r) => client.once("remoteSettings", () => r()));
    expect(client.remoteSettings.maxConcurrentStreams).toBe(3);
    for (let i = 0; i < 6; i++) client.request({ ":method": "POST", ":path": `/${i}` }).on("error", () => {});
    await expect.poll(() => hung, { timeout: 5000 }).toBe(3);
    // Another connection is still served while the first holds its three streams.
    expect((await h2request(s.url, "/other")).status).toBe(200);
    expect(hung).toBe(3);
    client.destroy();
  });

  it("closes connections beyond maxConnections at once", async () => {
    const s = await start({ maxConnections: 2 });
    const a = await rawConnect(s.port, "G");
    const b = await rawConnect(s.port, "G");
    const c = await rawConnect(s.port, "G");
    await closed(c);
    expect(a.destroyed || b.destroyed).toBe(false);
    a.destroy();
    b.destroy();
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../console/build.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { consoleHandler } from "../../src/server/console.js";
import { withCors } from "../../src/server/cors.js";
import { startTestServer, type TestServer } from "../harness/server.js";

const ALLOWED = "https://admin.example.com";

/** A raw HTTP/1.1 request, so that paths like /console/../x reach the server unnormalised. */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(new URL(url), { method, path, headers }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("serving the console, and CORS", () => {
  let server: TestServer;
  // The same wiring without CORS_ALLOWED_ORIGINS and without a built console, on a bare HTTP server.
  let open: { server: Server; url: string };
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "console-"));
    await buildConsole(dir);
    server = await startTestServer("pglite", {}, { consoleDir: dir, corsAllowedOrigins: [ALLOWED] });
    const bare = createServer(withCors([], (req, res) => void consoleHandler(join(dir, "missing"))(req, res)));
    await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
    open = { server: bare, url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}` };
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    open?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the page, its script and styles; nothing else under /console", async () => {
    const page = await raw(server.url, "GET", "/console");
    expect(page).toMatchObject({ status: 200, headers: { "content-type": "text/html; charset=utf-8" } });
    expect(page.body).toContain('src="/console/main.js"');
    expect(page.body).not.toMatch(/https?:\/\//);
    expect(await raw(server.url, "GET", "/console/main.js")).toMatchObject({ status: 200, headers: { "content-type": "text/javascript; charset=utf-8" } });
    expect((await raw(server.url, "GET", "/console/style.css")).body).not.toMatch(/@import|url\(https?:/);
    for (const path of ["/console/../package.json", "/console/%2e%2e/package.json", "/console/build.ts", "/console/nope"]) {
      expect((await raw(server.url, "GET", path)).status, path).toBe(404);
    }
    expect((await raw(server.url, "POST", "/console/main.js")).status).toBe(405);
    expect(await raw(open.url, "GET", "/console")).toMatchObject({ status: 404, body: "console not built: run npm run build" });
  });

  it("serves the icon at /favicon.ico, where browsers ask for it", async () => {
    for (const path of ["/favicon.ico", "/favicon.ico?v=2", "/console/favicon.ico"]) {
      const icon = await fetch(new URL(path, server.url));
      expect(icon.status, path).toBe(200);
      expect(icon.headers.get("content-type")).toBe("image/x-icon");
      // An ICO directory with one 32×32 image of 32 bits per pixel.
      const bytes = Buffer.from(await icon.arrayBuffer());
      expect([...bytes.subarray(0, 8)]).toEqual([0, 0, 1, 0, 1, 0, 32, 32]);
      expect(bytes.readUInt16LE(12)).toBe(32);
    }
    expect((await raw(server.url, "GET", "/favicon.png")).status).toBe(404);
  });

  it("answers a preflight from an allowed origin with Connect's header lists, refuses others", async () => {
    const preflight = (origin: string) =>
      raw(server.url, "OPTIONS", `/${UserService.typeName}/GetUserByID`, { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,x-grpc-web" });
    const ok = await preflight(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(String(ok.headers["access-control-allow-headers"]).toLowerCase()).toContain("x-grpc-web");
    expect(String(ok.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    const refused = await preflight("https://evil.example.com");
    expect(refused.status).toBe(403);
    expect(refused.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("lets an allowed origin read gRPC-web status; a server without CORS_ALLOWED_ORIGINS sends no CORS headers", async () => {
    const call = (url: string, origin: string) =>
      raw(url, "POST", `/${UserService.typeName}/GetUserByID`, { origin, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" }, Buffer.from([0, 0, 0, 0, 0]));
    const allowed = await call(server.url, ALLOWED);
    expect(allowed.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(String(allowed.headers["access-control-expose-headers"]).toLowerCase()).toContain("grpc-status");
    expect((await call(server.url, "https://evil.example.com")).headers["access-control-allow-origin"]).toBeUndefined();
    const withoutCors = await raw(open.url, "OPTIONS", "/console", { origin: ALLOWED, "access-control-request-method": "GET" });
    expect(withoutCors.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { createLogger } from "../../src/logger.js";
import { type App, startApp } from "../../src/server/app.js";
import { describeOnDatabases } from "../harness/on-databases.js";

describeOnDatabases("gRPC-web over HTTP/2 on the cleartext port", { kinds: ["pglite"], orgs: 0 }, ({ server }) => {
  it("answers a grpc-web call made over h2c", async () => {
    const client = createClient(ManagementService, createGrpcWebTransport({ baseUrl: server.url, httpVersion: "2" }));
    const res = await client.getMyOrg({}, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(res.org?.name).toBe("ZITADEL");
  });
});

describe("TLS (TLS_CERT / TLS_KEY)", () => {
  let app: App;
  let cert: Buffer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "zl-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    cert = readFileSync(join(dir, "cert.pem"));
    app = await startApp(
      { port: 0, host: "127.0.0.1", dataDir: ":memory:", maxRequestBytes: 1 << 20, logLevel: "silent", tls: { cert, key: readFileSync(join(dir, "key.pem")) } },
      { log: createLogger("silent") },
    );
  });
  afterAll(async () => app?.close());

  it("serves gRPC over HTTP/2 and gRPC-web over HTTP/1.1 on the same TLS port", async () => {
    expect(app.url).toMatch(/^https:/);
    const grpc = createClient(ManagementService, createGrpcTransport({ baseUrl: app.url, nodeOptions: { ca: cert } }));
    const res = await grpc.getMyOrg({}, { headers: { authorization: `Bearer ${app.adminToken}` } });
    expect(res.org?.name).toBe("ZITADEL");
    const web = createClient(ManagementService, createGrpcWebTransport({ baseUrl: app.url, httpVersion: "1.1", nodeOptions: { ca: cert } }));
    expect((await web.getMyOrg({}, { headers: { authorization: `Bearer ${app.adminToken}` } })).org?.name).toBe("ZITADEL");
  });
});

import http2 from "node:http2";
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { describeOnDatabases } from "../harness/on-databases.js";
import { rest } from "../harness/clients.js";
import { beforeGarbage, countEvents, grpcFrame, rawConnect, rawGrpc, rawGrpcWeb } from "./bad-input-wire.js";

/**
 * Property-based bad input on every protocol: whatever a client sends, the answer is never a server error
 * (HTTP 5xx; gRPC Unknown, Internal, Unimplemented, Unavailable, DataLoss), the process survives, and the
 * event log is unchanged. The methods are ones that random input cannot turn into a real change: reads, and
 * lifecycle commands aimed at users that do not exist.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SERVER_FAULT_CODES = new Set([2, 12, 13, 14, 15]);
const METHODS = [
  "/zitadel.user.v2.UserService/ListUsers",
  "/zitadel.user.v2.UserService/GetUserByID",
  "/zitadel.user.v2.UserService/DeactivateUser",
  "/zitadel.user.v2.UserService/LockUser",
  "/zitadel.management.v1.ManagementService/GetUserByID",
  "/zitadel.management.v1.ManagementService/ReactivateUser",
];

const method = fc.constantFrom(...METHODS);
const bytes = fc.uint8Array({ maxLength: 256 });
/** protobuf-shaped noise: a few field keys with plausible wire types, then arbitrary bytes */
const protoish = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0, 1, 2, 5), fc.uint8Array({ maxLength: 24 })), { maxLength: 6 })
  .map((fields) => Buffer.concat(fields.map(([no, type, rest]) => Buffer.concat([Buffer.from([(no << 3) | type]), Buffer.from(rest)]))));
const body = fc.oneof(bytes, protoish);
/** gRPC / gRPC-web bodies: a frame around noise, a frame with a lying header, or bare noise */
const frames = fc.oneof(
  body.map((b) => grpcFrame(b)),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), body).map(([flag, length, b]) => {
    const head = Buffer.alloc(5);
    head[0] = flag;
    head.writeUInt32BE(length, 1);
    return Buffer.concat([head, b]);
  }),
  fc.array(body.map((b) => grpcFrame(b)), { maxLength: 3 }).map((list) => Buffer.concat(list)),
  bytes.map((b) => Buffer.from(b)),
);
const jsonText = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.record({ userId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), query: fc.jsonValue() }).map((o) => JSON.stringify(o)),
);
/** printable ASCII: what fetch and node's http2 client let through as a header value */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }).map((s) => s.trim()),
  fc.constantFrom("", "0", "-1", "1n", "99999999H", "Bearer", "Bearer ", "application/proto", "application/grpc+json", "gzip"),
);
const pathText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("..", ".", "%", "%zz", "%2F", "a/b", "", "%00", "😀", "' or 1=1 --", "x".repeat(2000)),
);

let inputsTried = 0;
const tried = <A extends unknown[]>(prop: (...input: A) => Promise<void>) => async (...input: A) => {
  inputsTried++;
  await prop(...input);
};

describeOnDatabases("property-based bad input (%s)", { orgs: 0 }, (t) => {
  const { server } = t;
  const garbage = beforeGarbage(t);
  afterAll(() => console.log(`bad input (${t.kind}): ${inputsTried} inputs tried so far in this file, ${RUNS} per property`));
  const auth = () => garbage.auth;

  const grpcOk = (code: number | undefined, httpStatus?: number) => {
    expect(httpStatus === undefined || httpStatus < 500, `HTTP ${httpStatus}`).toBe(true);
    expect(code === undefined || !SERVER_FAULT_CODES.has(code), `grpc-status ${code}`).toBe(true);
  };

  it("Connect: binary protobuf bodies", async () => {
    await fc.assert(
      fc.asyncProperty(method, body, tried(async (m, b) => {
        const res = await rawConnect(server.url, m, b, auth());
        expect(res.status, res.message).toBeLessThan(500);
      })),
      { numRuns: RUNS },
    );
  });

  it("Connect: JSON bodies", async () => {
    await fc.assert(
      fc.asyncProperty(method, jsonText, tried(async (m, text) => {
        const res = await rawConnect(server.url, m, text, { ...auth(), "content-type": "application/json" });
        expect(res.status, res.message).toBeLessThan(500);
      })),
      { numRuns: RUNS },
    );
  });

  it("gRPC: frames over HTTP/2", async () => {
    await fc.assert(
      fc.asyncProperty(method, frames, fc.constantFrom("application/grpc", "application/grpc+proto", "application/grpc+json"), tried(async (m, f, type) => {
        const res = await rawGrpc(server.url, m, f, { ...auth(), "content-type": type });
        grpcOk(res.grpcStatus, res.httpStatus);
      })),
      { numRuns: RUNS },
    );
  });

  it("gRPC-web: frames over HTTP/1.1", async () => {
    await fc.assert(
      fc.asyncProperty(method, frames, tried(async (m, f) => {
        const res = await rawGrpcWeb(server.url, m, f, auth());
        grpcOk(typeof res.code === "number" ? res.code : undefined, res.status);
      })),
      { numRuns: RUNS },
    );
  });

  it("REST: path and query parameters, and bodies", async () => {
    const routes = [
      ["GET", (id: string) => `/v2/users/${id}`],
      ["POST", (id: string) => `/v2/users/${id}/deactivate`],
      ["POST", (id: string) => `/v2/users/${id}/lock`],
      ["DELETE", (id: string) => `/v2/users/${id}`],
      ["GET", (id: string) => `/management/v1/users/${id}`],
      ["POST", () => `/v2/users`],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        pathText,
        fc.array(fc.tuple(fc.oneof(fc.constantFrom("query.limit", "query.offset", "queries", "userId", "user_id", "sortingColumn"), fc.string({ maxLength: 20 })), pathText), { maxLength: 4 }),
        fc.option(jsonText, { nil: undefined }),
        fc.boolean(),
        tried(async ([verb, path], id, params, text, encode) => {
          const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encode ? encodeURIComponent(v) : v.replace(/[#\s]/g, "")}`).join("&");
          const segment = encode ? encodeURIComponent(id) : id.replace(/[/?#\s]/g, "_");
          const url = path(segment || "x") + (query ? `?${query}` : "");
          const res = await fetch(new URL(url, server.url), {
            method: verb,
            headers: { ...auth(), "content-type": "application/json" },
            body: verb === "GET" || text === undefined ? undefined : text,
            signal: AbortSignal.timeout(30_000),
          });
          expect(res.status, `${verb} ${url}: ${await res.text()}`).toBeLessThan(500);
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("headers: content-type, deadlines, authorization, x-zitadel-orgid, on Connect, gRPC-web, gRPC and REST", async () => {
    const names = ["content-type", "grpc-timeout", "connect-timeout-ms", "authorization", "x-zitadel-orgid", "connect-protocol-version", "grpc-encoding", "content-encoding"];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("connect", "grpc-web", "grpc", "rest"),
        fc.dictionary(fc.constantFrom(...names), headerValue, { maxKeys: 4 }),
        tried(async (protocol, headers) => {
          const listUsers = "/zitadel.user.v2.UserService/ListUsers";
          const all = { ...auth(), ...headers };
          // both protocols prescribe Unimplemented for an encoding the server does not support
          // (the content-type, which may be fuzzed too, decides which protocol and so which header counts)
          const unsupported =
            protocol !== "rest" &&
            ["grpc-encoding", "content-encoding"].some((h) => !!headers[h]?.trim() && !["gzip", "br", "identity"].includes(headers[h].trim()));
          // and DeadlineExceeded (HTTP 504) once the deadline the client sent has passed
          const deadline = headers["grpc-timeout"] !== undefined || headers["connect-timeout-ms"] !== undefined;
          const allowed = (code: number | undefined, status: number) =>
            (unsupported && (code === 12 || status === 501)) || (deadline && (code === 4 || status === 504)) ? undefined : ([code, status] as const);
          if (protocol === "connect") {
            const res = await rawConnect(server.url, listUsers, "{}", { "content-type": "application/json", ...all });
            const code = res.code === "unimplemented" ? 12 : res.code === "deadline_exceeded" ? 4 : undefined;
            if (allowed(code, res.status)) expect(res.status, res.message).toBeLessThan(500);
          } else if (protocol === "grpc-web") {
            const res = await rawGrpcWeb(server.url, listUsers, grpcFrame(Buffer.alloc(0)), all);
            const code = typeof res.code === "number" ? res.code : undefined;
            if (allowed(code, res.status)) grpcOk(code, res.status);
          } else if (protocol === "grpc") {
            const res = await rawGrpc(server.url, listUsers, grpcFrame(Buffer.alloc(0)), all);
            if (allowed(res.grpcStatus, res.httpStatus)) grpcOk(res.grpcStatus, res.httpStatus);
          } else {
            const res = await fetch(new URL("/v2/users", server.url), { method: "POST", headers: { "content-type": "application/json", ...all }, body: "{}" });
            const text = await res.text();
            if (allowed(undefined, res.status)) expect(res.status, text).toBeLessThan(500);
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("oversized headers: 431 on HTTP/1.1, a refused stream on HTTP/2, and the server keeps serving", async () => {
    const big = "x".repeat(64 * 1024);
    const h1 = await fetch(new URL("/v2/users", server.url), { method: "POST", headers: { ...auth(), "x-big": big }, body: "{}" });
    expect(h1.status).toBe(431);
    const h2 = await new Promise<string>((resolve) => {
      const session = http2.connect(server.url);
      session.on("error", () => resolve("session error"));
      const req = session.request({ ":method": "POST", ":path": "/zitadel.user.v2.UserService/ListUsers", "content-type": "application/grpc", "x-big": big });
      req.on("error", () => resolve("stream error"));
      req.on("response", (h) => resolve(`status ${h[":status"]}`));
      req.on("close", () => {
        session.destroy();
        resolve(`closed ${req.rstCode}`);
      });
      req.end();
    });
    expect(h2).not.toMatch(/^status 5/);
    const ok = await rest(server.url, "POST", "/v2/users", { token: server.adminToken, body: {} });
    expect(ok.status).toBe(200);
  });

  it("the event log is unchanged and the server still answers", async () => {
    expect(await countEvents(server)).toBe(garbage.eventsBefore);
    const res = await rest(server.url, "GET", "/healthz");
    expect(res.status).toBe(200);
  });
});

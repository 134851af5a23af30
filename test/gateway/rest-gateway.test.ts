import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createContextKey, createContextValues } from "@connectrpc/connect";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import { create, createFileRegistry, createRegistry, setExtension } from "@bufbuild/protobuf";
import type { DescService, MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label, FieldDescriptorProto_Type as Type, FileDescriptorProtoSchema,
  MethodOptionsSchema, file_google_protobuf_timestamp, timestampFromDate,
} from "@bufbuild/protobuf/wkt";
import { http as httpOption } from "../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/google/api/http_pb.js";
import { ErrorDetailSchema, file_zitadel_message } from "../../gen/zitadel/message_pb.js";
import { ManagementService, file_zitadel_management_v1_management } from "../../gen/zitadel/management/v1/management_pb.js";
import { UserService, file_zitadel_user_v2_user_service } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { createRestGateway } from "../../src/gateway/rest-gateway.js";

const seen: Record<string, { req: unknown; auth: string | null }> = {};
const remoteKey = createContextKey("none", { description: "set by the gateway's contextValues" });
const details = { sequence: 7n, changeDate: timestampFromDate(new Date("2024-01-02T03:04:05Z")), resourceOwner: "org1" };
const detailsJson = { sequence: "7", changeDate: "2024-01-02T03:04:05Z", resourceOwner: "org1" };

// A test-only service to cover query parameters, body-field rules, response_body, additional bindings and verbs.
const jsonName = (n: string) => n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const field = (name: string, number: number, type: Type, typeName?: string, label = Label.OPTIONAL) =>
  ({ name, number, type, typeName, label, jsonName: jsonName(name) });
const rule = (r: MessageInitShape<typeof HttpRuleSchema>) => {
  const options = create(MethodOptionsSchema);
  setExtension(options, httpOption, create(HttpRuleSchema, r));
  return options;
};
const rpc = (name: string, r: MessageInitShape<typeof HttpRuleSchema>) =>
  ({ name, inputType: ".test.v1.Thing", outputType: ".test.v1.Thing", options: rule(r) });
const thingFile = create(FileDescriptorProtoSchema, {
  name: "test/v1/thing.proto", package: "test.v1", syntax: "proto3", dependency: ["google/protobuf/timestamp.proto"],
  enumType: [{ name: "State", value: [{ name: "STATE_UNSPECIFIED", number: 0 }, { name: "STATE_ON", number: 1 }] }],
  messageType: [
    { name: "Filter", field: [field("name", 1, Type.STRING)] },
    { name: "Thing", field: [
      field("id", 1, Type.STRING), field("page", 2, Type.INT32), field("flag", 3, Type.BOOL),
      field("state", 4, Type.ENUM, ".test.v1.State"), field("tags", 5, Type.STRING, undefined, Label.REPEATED),
      field("filter", 6, Type.MESSAGE, ".test.v1.Filter"), field("since", 7, Type.MESSAGE, ".google.protobuf.Timestamp"),
      field("big_number", 8, Type.UINT64),
    ] },
  ],
  service: [{ name: "ThingService", method: [
    rpc("Echo", { pattern: { case: "get", value: "/v1/things/{id}" },
      additionalBindings: [{ pattern: { case: "get", value: "/v1/{filter.name=shelves/*}/things" } }] }),
    rpc("Update", { pattern: { case: "patch", value: "/v1/things/{id}" }, body: "filter", responseBody: "filter" }),
    rpc("Publish", { pattern: { case: "post", value: "/v1/things/{id}:publish" }, body: "*" }),
  ] }],
});
const ThingService = createFileRegistry(thingFile, (n) => (n === "google/protobuf/timestamp.proto" ? file_google_protobuf_timestamp : undefined))
  .getService("test.v1.ThingService") as DescService;

const echo = (req: unknown) => req as never;
const implementations = [
  { service: UserService, impl: {
    lockUser(req, ctx) {
      seen.lockUser = { req, auth: ctx.requestHeader.get("authorization") };
      if (req.userId === "locked") {
        throw new ConnectError("User is already locked (USER-already-locked)", Code.FailedPrecondition, undefined, [
          { desc: ErrorDetailSchema, value: { id: "USER-already-locked", message: "User is already locked" } },
        ]);
      }
      return { details };
    },
    getUserByID(req) {
      return { user: { userId: req.userId, username: "alice" } };
    },
    addHumanUser(req) {
      seen.addHumanUser = { req, auth: null };
      return { userId: "u1", details };
    },
    listUsers(req) {
      seen.listUsers = { req, auth: null };
      return { details: { totalResult: 2n } };
    },
  } satisfies Partial<ServiceImpl<typeof UserService>> },
  { service: ManagementService, impl: {
    getMyOrg(_req, ctx) {
      return { org: { id: ctx.requestHeader.get("x-zitadel-orgid") ?? "", name: ctx.values.get(remoteKey) } };
    },
  } satisfies Partial<ServiceImpl<typeof ManagementService>> },
  { service: ThingService, impl: { echo, update: echo, publish: echo } },
];

const requireAuth: Interceptor = (next) => (req) => {
  if (!req.header.get("authorization")) throw new ConnectError("no token", Code.Unauthenticated);
  return next(req);
};

let server: http.Server;
let base: string;
const auth = { authorization: "Bearer t0k3n" };
const json = (body: unknown) => ({ method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
async function call(path: string, init: RequestInit = { headers: auth }) {
  const res = await fetch(base + path, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

beforeAll(async () => {
  const gateway = createRestGateway({
    implementations,
    interceptors: [requireAuth],
    prefixes: { [ManagementService.typeName]: "/management/v1" },
    registry: createRegistry(file_zitadel_user_v2_user_service, file_zitadel_management_v1_management, file_zitadel_message),
    readMaxBytes: 64 * 1024,
    contextValues: () => createContextValues().set(remoteKey, "from-gateway"),
  });
  server = http.createServer((req, res) => void gateway(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("REST gateway", () => {
  it("fills path variables and forwards headers", async () => {
    const r = await call("/v2/users/123/lock", json({}));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.body).toEqual({ details: detailsJson });
    expect(seen.lockUser).toMatchObject({ req: { userId: "123" }, auth: "Bearer t0k3n" });
  });

  it("lets path variables win over the body and accepts an empty body", async () => {
    await call("/v2/users/a%20b/lock", json({ userId: "other" }));
    expect(seen.lockUser.req).toMatchObject({ userId: "a b" });
    await call("/v2/users/x/lock", { method: "POST", headers: auth });
    expect(seen.lockUser.req).toMatchObject({ userId: "x" });
  });

  it("maps ConnectError to HTTP status and renders details as Any JSON", async () => {
    const r = await call("/v2/users/locked/lock", json({}));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: 9,
      message: "User is already locked (USER-already-locked)",
      details: [{ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id: "USER-already-locked", message: "User is already locked" }],
    });
  });

  it("answers AddHumanUser with its custom 201 and decodes body *", async () => {
    const r = await call("/v2/users/human", json({
      username: "alice", organization: { orgId: "o1" }, profile: { givenName: "Alice", family_name: "A" },
      email: { email: "a@example.com", isVerified: true },
    }));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ userId: "u1", details: detailsJson });
    expect(seen.addHumanUser.req).toMatchObject({
      username: "alice", organization: { org: { case: "orgId", value: "o1" } }, profile: { givenName: "Alice", familyName: "A" },
      email: { email: "a@example.com", verification: { case: "isVerified", value: true } },
    });
  });

  it("decodes enums by name and 64-bit ints from strings; omits default values", async () => {
    const r = await call("/v2/users", json({ query: { offset: "5", limit: 10 }, sortingColumn: "USER_FIELD_NAME_EMAIL" }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ details: { totalResult: "2" } });
    expect(seen.listUsers.req).toMatchObject({ query: { offset: 5n, limit: 10 }, sortingColumn: 6 });
  });

  it("serves GET with the path variable winning over the query", async () => {
    const r = await call("/v2/users/42?user_id=99&userId=98");
    expect(r).toMatchObject({ status: 200, body: { user: { userId: "42", username: "alice" } } });
  });

  it("fills fields from query parameters for GET", async () => {
    const q = "page=3&flag=true&state=STATE_ON&tags=a&tags=b&filter.name=x&since=2024-01-01T00:00:00Z&bigNumber=18446744073709551615&nope=1";
    const r = await call(`/v1/things/t1?${q}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      id: "t1", page: 3, flag: true, state: "STATE_ON", tags: ["a", "b"], filter: { name: "x" },
      since: "2024-01-01T00:00:00Z", bigNumber: "18446744073709551615",
    });
    expect((await call("/v1/things/t1?state=1")).body).toEqual({ id: "t1", state: "STATE_ON" });
    expect((await call("/v1/things/t1?page=abc")).status).toBe(400);
  });

  it("serves additional bindings, body field rules, response_body and verbs", async () => {
    expect((await call("/v1/shelves/s1/things?id=q")).body).toEqual({ id: "q", filter: { name: "shelves/s1" } });
    const patch = await call("/v1/things/t2?page=4", { ...json({ name: "n" }), method: "PATCH" });
    expect(patch).toMatchObject({ status: 200, body: { name: "n" } });
    expect((await call("/v1/things/t3:publish", json({ page: 1, id: "ignored" }))).body).toEqual({ id: "t3", page: 1 });
  });

  it("rejects invalid JSON, unknown fields and wrong types with 400 / code 3", async () => {
    for (const body of ["{", '{"nope":1}', '{"query":{"limit":"ten"}}', '{"sortingColumn":"NOPE"}', "[]", "null"]) {
      const r = await call("/v2/users", { method: "POST", headers: auth, body });
      expect(r.status, body).toBe(400);
      expect(r.body, body).toMatchObject({ code: 3, details: [] });
    }
  });

  it("answers 404 for unknown paths and 405 with Allow for a wrong verb", async () => {
    expect(await call("/v2/nothing")).toEqual(expect.objectContaining({ status: 404, body: { code: 5, message: "Not Found", details: [] } }));
    expect(await call("/v2/users/%zz")).toMatchObject({ status: 400, body: { code: 3 } });
    const r = await call("/v2/users/123", { method: "PUT", headers: auth });
    expect(r).toMatchObject({ status: 405, body: { code: 12, details: [] } });
    expect(r.headers.get("allow")).toBe("DELETE, GET");
  });

  it("returns 501 for methods the implementation leaves out and 401 from interceptors", async () => {
    expect(await call("/v2/users/1", { method: "DELETE", headers: auth })).toMatchObject({ status: 501, body: { code: 12 } });
    expect(await call("/v2/users/1", {})).toMatchObject({ status: 401, body: { code: 16, message: "no token" } });
  });

  it("refuses bodies over readMaxBytes with 413 / code 8", async () => {
    const big = JSON.stringify({ username: "x".repeat(100 * 1024) });
    expect(await call("/v2/users/human", { method: "POST", headers: auth, body: big })).toMatchObject({ status: 413, body: { code: 8 } });
    // without a content-length the limit applies while streaming
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 1000) c.enqueue(chunk);
        else c.close();
      },
    });
    const r = await call("/v2/users/human", { method: "POST", headers: auth, body: stream, duplex: "half" } as RequestInit);
    expect(r).toMatchObject({ status: 413, body: { code: 8 } });
    expect(sent).toBeLessThan(1000);
  });

  it("serves management routes under their prefix with org header and context values", async () => {
    const r = await call("/management/v1/orgs/me", { headers: { ...auth, "x-zitadel-orgid": "o42" } });
    expect(r).toMatchObject({ status: 200, body: { org: { id: "o42", name: "from-gateway" } } });
    expect((await call("/orgs/me")).status).toBe(404);
  });
});

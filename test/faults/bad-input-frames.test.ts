import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, expect, it } from "vitest";
import { GetUserByIDRequestSchema, ListUsersRequestSchema } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { rest } from "../harness/clients.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { beforeGarbage, countEvents, grpcFrame, rawConnect, rawGrpc, rawGrpcWeb } from "./bad-input-wire.js";

const LIST_USERS = "/zitadel.user.v2.UserService/ListUsers";
const valid = toBinary(ListUsersRequestSchema, create(ListUsersRequestSchema, { query: { limit: 1 } }));
/** A length-delimited field 1 that promises 100 bytes: "premature EOF" in the protobuf reader. */
const malformed = Buffer.from([0x0a, 100, 1, 2, 3]);

/** Wire-level garbage for gRPC and gRPC-web bodies, each of which is the client's fault. */
const frames: [string, Buffer, Record<string, string>?][] = [
  ["malformed protobuf in a frame", grpcFrame(malformed)],
  ["the text `{` as the message", grpcFrame(Buffer.from("{"))],
  ["a length prefix larger than the body", Buffer.concat([grpcFrame(valid).subarray(0, 5), Buffer.from([1, 2])])],
  ["a truncated frame header", Buffer.from([0, 0, 0])],
  ["the compressed flag without grpc-encoding", grpcFrame(valid, 1)],
  ["the compressed flag with gzip that is not gzip", grpcFrame(valid, 1), { "grpc-encoding": "gzip" }],
  ["gzip of malformed protobuf", grpcFrame(gzipSync(malformed), 1), { "grpc-encoding": "gzip" }],
  ["unknown frame flags", grpcFrame(valid, 0x42)],
  ["no message at all", Buffer.alloc(0)],
  ["two messages for a unary method", Buffer.concat([grpcFrame(valid), grpcFrame(valid)])],
];

describeOnDatabases("malformed requests are InvalidArgument on every protocol (%s)", { orgs: 0 }, (t) => {
  const { server } = t;
  const garbage = beforeGarbage(t);
  // nothing the garbage did reached the event log
  afterAll(async () => expect(await countEvents(server)).toBe(garbage.eventsBefore));
  const auth = () => garbage.auth;

  it("the well-formed request succeeds on gRPC, gRPC-web and Connect (the garbage below differs only in its bytes)", async () => {
    expect((await rawGrpc(server.url, LIST_USERS, grpcFrame(valid), auth())).grpcStatus).toBe(0);
    expect((await rawGrpcWeb(server.url, LIST_USERS, grpcFrame(valid), auth())).code).toBe(0);
    expect((await rawConnect(server.url, LIST_USERS, valid, auth())).status).toBe(200);
  });

  it.each(frames)("gRPC: %s", async (_name, body, headers = {}) => {
    const res = await rawGrpc(server.url, LIST_USERS, body, { ...auth(), ...headers });
    expect({ code: res.grpcStatus, message: res.message }).toMatchObject({ code: Code.InvalidArgument });
  });

  it.each(frames)("gRPC-web: %s", async (_name, body, headers = {}) => {
    const res = await rawGrpcWeb(server.url, LIST_USERS, body, { ...auth(), ...headers });
    expect({ code: res.code, message: res.message }).toMatchObject({ code: Code.InvalidArgument });
  });

  it.each([
    ["the text `{` as application/proto", Buffer.from("{"), {}],
    ["malformed protobuf", malformed, {}],
    ["gzip of malformed protobuf", gzipSync(malformed), { "content-encoding": "gzip" }],
    ["gzip that is not gzip", Buffer.from(valid), { "content-encoding": "gzip" }],
    ["malformed JSON", Buffer.from("{"), { "content-type": "application/json" }],
  ] as const)("Connect: %s → 400 invalid_argument", async (_name, body, headers) => {
    const res = await rawConnect(server.url, LIST_USERS, body, { ...auth(), ...headers });
    expect(res).toMatchObject({ status: 400, code: "invalid_argument" });
  });

  // found by the property-based tests: PostgreSQL text cannot hold U+0000, and an empty encoding header is no encoding
  it.each([
    ["REST path", () => rest(server.url, "GET", "/v2/users/a%00b", { token: server.adminToken })],
    ["REST body", () => rest(server.url, "POST", "/v2/users", { token: server.adminToken, body: { queries: [{ userNameQuery: { userName: "a\u0000" } }] } })],
  ] as const)("a NUL character in a %s is 400 InvalidArgument", async (_name, call) => {
    const res = await call();
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(Code.InvalidArgument);
  });

  it("a NUL character in a Connect JSON or gRPC message is InvalidArgument", async () => {
    const json = await rawConnect(server.url, "/zitadel.user.v2.UserService/GetUserByID", JSON.stringify({ userId: "a\u0000b" }), { ...auth(), "content-type": "application/json" });
    expect(json).toMatchObject({ status: 400, code: "invalid_argument" });
    const frame = grpcFrame(toBinary(GetUserByIDRequestSchema, create(GetUserByIDRequestSchema, { userId: "a\u0000b" })));
    expect((await rawGrpc(server.url, "/zitadel.user.v2.UserService/GetUserByID", frame, auth())).grpcStatus).toBe(Code.InvalidArgument);
  });

  it("an empty content-encoding header means no encoding", async () => {
    const res = await rawConnect(server.url, LIST_USERS, valid, { ...auth(), "content-encoding": "" });
    expect(res.status).toBe(200);
  });
});

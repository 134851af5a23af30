import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeactivateUserRequestSchema, UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk, rest } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { countEvents, grpcFrame, rawGrpc } from "./bad-input-wire.js";

describe.each(databaseKinds)("deadlines (%s)", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let orgId: string;
  let userId: string;

  beforeAll(async () => {
    server = await startTestServer(kind);
    clients = new Clients(server.url);
    orgId = await newOrg(clients, server.adminToken);
    userId = await newHuman(clients, server.adminToken, orgId);
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  async function expectUnchanged(before: number) {
    expect(await countEvents(server)).toBe(before);
    const user = expectOk(await clients.call("connect-json", UserService, "getUserByID", { userId }, server.adminToken));
    expect(user.user?.state).toBe(1); // USER_STATE_ACTIVE
  }

  const deactivateFrame = () => grpcFrame(toBinary(DeactivateUserRequestSchema, create(DeactivateUserRequestSchema, { userId })));

  it.each(["1n", "0m", "0S"])("gRPC with grpc-timeout %s: DeadlineExceeded, no event", async (timeout) => {
    const before = await countEvents(server);
    const res = await rawGrpc(server.url, "/zitadel.user.v2.UserService/DeactivateUser", deactivateFrame(), {
      authorization: `Bearer ${server.adminToken}`,
      "grpc-timeout": timeout,
    });
    expect(res.grpcStatus).toBe(Code.DeadlineExceeded);
    await expectUnchanged(before);
  });

  it.each([
    ["grpc-web", { "grpc-timeout": "1n" }],
    ["grpc-web", { "grpc-timeout": "0m" }],
    ["connect-json", { "connect-timeout-ms": "0" }],
    ["connect-proto", { "connect-timeout-ms": "0" }],
  ] as const)("%s with %o: DeadlineExceeded, no event", async (protocol, headers) => {
    const before = await countEvents(server);
    const res = await clients.call(protocol, UserService, "deactivateUser", { userId }, server.adminToken, { ...headers });
    expect(res.ok ? "ok" : Code[res.code]).toBe("DeadlineExceeded");
    await expectUnchanged(before);
  });

  it("REST with grpc-timeout 0m: 504, no event", async () => {
    const before = await countEvents(server);
    const res = await rest(server.url, "POST", `/v2/users/${userId}/deactivate`, {
      token: server.adminToken,
      body: {},
      headers: { "grpc-timeout": "0m" },
    });
    expect(res.status).toBe(504);
    expect(res.body.code).toBe(Code.DeadlineExceeded);
    await expectUnchanged(before);
  });

  it("REST with a malformed grpc-timeout: 400, no event", async () => {
    const before = await countEvents(server);
    const res = await rest(server.url, "POST", `/v2/users/${userId}/deactivate`, { token: server.adminToken, body: {}, headers: { "grpc-timeout": "soon" } });
    expect(res.status).toBe(400);
    await expectUnchanged(before);
  });

  it("a deadline that passes while the handler runs answers DeadlineExceeded (Connect) and 504 (REST)", async () => {
    // AddHumanUser with a password hashes it with scrypt (tens of ms), so 2 ms pass inside the call or before it
    const human = (name: string) => ({
      organization: { org: { case: "orgId" as const, value: orgId } },
      username: name,
      profile: { givenName: "Ada", familyName: "Lovelace" },
      email: { email: `${name}@example.com` },
      passwordType: { case: "password" as const, value: { password: "Correct-Horse-9" } },
    });
    const res = await clients.call("connect-json", UserService, "addHumanUser", human(unique("late")), server.adminToken, { "connect-timeout-ms": "2" });
    expect(res.ok ? "ok" : Code[res.code]).toBe("DeadlineExceeded");
    const name = unique("late");
    const restRes = await rest(server.url, "POST", "/v2/users/human", {
      token: server.adminToken,
      body: {
        organization: { orgId },
        username: name,
        profile: { givenName: "Ada", familyName: "Lovelace" },
        email: { email: `${name}@example.com` },
        password: { password: "Correct-Horse-9" },
      },
      headers: { "grpc-timeout": "2m" },
    });
    expect(restRes.status).toBe(504);
  });

  it("a generous deadline changes nothing: the call succeeds on every protocol", async () => {
    for (const [protocol, headers] of [
      ["grpc-web", { "grpc-timeout": "30S" }],
      ["connect-json", { "connect-timeout-ms": "30000" }],
      ["connect-proto", { "connect-timeout-ms": "30000" }],
    ] as const) {
      expectOk(await clients.call(protocol, UserService, "lockUser", { userId }, server.adminToken, { ...headers }));
      expectOk(await clients.call(protocol, UserService, "unlockUser", { userId }, server.adminToken, { ...headers }));
    }
    const res = await rawGrpc(server.url, "/zitadel.user.v2.UserService/LockUser", deactivateFrame(), {
      authorization: `Bearer ${server.adminToken}`,
      "grpc-timeout": "30S",
    });
    expect(res.grpcStatus).toBe(0);
    expectOk(await clients.call("connect-json", UserService, "unlockUser", { userId }, server.adminToken));
    const r = await rest(server.url, "POST", `/v2/users/${userId}/lock`, { token: server.adminToken, body: {}, headers: { "grpc-timeout": "30S" } });
    expect(r.status).toBe(200);
    expectOk(await clients.call("connect-json", UserService, "unlockUser", { userId }, server.adminToken));
  });
});

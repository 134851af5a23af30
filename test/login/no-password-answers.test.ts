import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { Clients, expectOk, rest, rpcProtocols } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { login, messageOf, newHumanWithPassword, WRONG } from "./helpers.js";

/**
 * A password guessed for a user who has none must read exactly like a wrong password for a user who has
 * one: the same code, message, reason and facts, counted the same way, so a guess reveals nothing about
 * whether the account has a password at all.
 */
describe.each(databaseKinds)("a wrong password for a user without one, on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let orgId: string;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { lockout: { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: 0 } });
    clients = new Clients(server.url);
    orgId = await newOrg(clients, server.adminToken);
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  const withoutPassword = {
    active: () => newHuman(clients, server.adminToken, orgId, true),
    initial: () => newHuman(clients, server.adminToken, orgId, false),
  };
  const withPassword = async () => (await newHumanWithPassword(clients, server.adminToken, orgId)).userId;
  const state = async (userId: string) => expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken)).user?.state;

  const attempt = async (userId: string, protocol: (typeof rpcProtocols)[number]) => {
    const res = await login(clients, server.adminToken, { userId }, WRONG, protocol);
    return res.ok ? res : { ...res, text: messageOf(res) };
  };

  it.each(rpcProtocols)("answers for an active or initial user without one as for any wrong password, over %s", async (protocol) => {
    const [active, initial, some] = [await withoutPassword.active(), await withoutPassword.initial(), await withPassword()];
    const expected = await attempt(some, protocol);
    expect(expected).toMatchObject({ ok: false, reason: "USER-password-invalid" });
    expect(await attempt(active, protocol)).toEqual(expected);
    expect(await attempt(initial, protocol)).toEqual(expected);
  });

  it("counts the failures alike, up to the lock", async () => {
    const [none, some] = [await withoutPassword.active(), await withPassword()];
    for (let i = 0; i < 3; i++) expect(await attempt(none, "grpc")).toEqual(await attempt(some, "grpc"));
    expect(await state(none)).toBe(UserState.LOCKED);
    expect(await attempt(none, "grpc")).toEqual(await attempt(some, "grpc"));
  });

  it("answers alike over REST", async () => {
    const [none, some] = [await withoutPassword.active(), await withPassword()];
    const attempt = async (userId: string) => {
      const res = await rest(server.url, "POST", "/v2/sessions", { token: server.adminToken, body: { checks: { user: { userId }, password: { password: WRONG } } } });
      return { status: res.status, body: res.body };
    };
    const first = await attempt(none);
    expect(first.status).toBe(400);
    expect(first.body.message).toMatch(/^Password is invalid after 1 failed attempt/);
    expect(first).toEqual(await attempt(some));
  });

  it("answers a wrong current password in SetPassword alike", async () => {
    const [none, some] = [await withoutPassword.active(), await withPassword()];
    const change = async (userId: string) => {
      const res = await clients.call(
        "connect-json",
        UserService,
        "setPassword",
        { userId, newPassword: { password: "Brand-New-Pass-1" }, verification: { case: "currentPassword", value: WRONG } },
        server.adminToken,
      );
      return res.ok ? res : { ...res, text: messageOf(res) };
    };
    const first = await change(none);
    expect(first).toMatchObject({ ok: false, reason: "USER-password-invalid" });
    expect(first).toEqual(await change(some));
  });
});

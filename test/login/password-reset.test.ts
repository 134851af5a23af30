import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk, rest } from "../harness/clients.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { login, newHumanWithPassword } from "./helpers.js";

describeOnDatabases("PasswordReset → SetPassword by code on %s", (t) => {
  const { server, clients } = t;

  it("returns a one-time code over gRPC that SetPassword accepts once; only its hash is stored", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const reset = expectOk(await clients.call("grpc", UserService, "passwordReset", { userId, medium: { case: "returnCode", value: {} } }, server.adminToken));
    const code = reset.verificationCode ?? "";
    expect(code.length).toBeGreaterThanOrEqual(16);
    expect(reset.details?.sequence).toBe(2n);

    const set = (value: string) =>
      clients.call("grpc", UserService, "setPassword", { userId, newPassword: { password: "Reset-Pass-77" }, verification: { case: "verificationCode", value } }, server.adminToken);
    expectOk(await set(code));
    expect(await set(code)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-code-invalid" });
    expectOk(await login(clients, server.adminToken, { userId }, "Reset-Pass-77"));

    const { rows } = await sql<{ payload: unknown }>`select payload from events where aggregate_id = ${userId}`.execute(server.app.database.db);
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it("serves POST /v2/users/{user_id}/password_reset and refuses send_link without a notification provider", async () => {
    const { userId } = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const viaRest = await rest(server.url, "POST", `/v2/users/${userId}/password_reset`, { token: server.adminToken, body: { returnCode: {} } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.verificationCode).toEqual(expect.any(String));
    const link = await rest(server.url, "POST", `/v2/users/${userId}/password_reset`, { token: server.adminToken, body: { sendLink: {} } });
    expect(link.status).toBe(400);
    expect(link.body.details[0].id).toBe("NOTIFY-no-provider");
    expect(await clients.call("connect-json", UserService, "passwordReset", { userId: "404", medium: { case: "returnCode", value: {} } }, server.adminToken)).toMatchObject({ ok: false, code: Code.NotFound });
  });
});

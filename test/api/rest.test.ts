import { expect, it } from "vitest";
import { rest } from "../harness/clients.js";
import { newHuman, newMachine, unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

const errorDetail = (id: string) => ({ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", id, message: expect.any(String) });

describeOnDatabases("REST gateway on %s", (t) => {
  const { server, clients } = t;

  const post = (path: string, token = server.adminToken, body: unknown = {}, headers: Record<string, string> = {}) => rest(server.url, "POST", path, { token, body, headers });

  it("serves the v2 user lifecycle with proto3 JSON details and grpc-gateway errors", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const locked = await post(`/v2/users/${userId}/lock`);
    expect(locked.status).toBe(200);
    expect(locked.body.details).toEqual({ sequence: "2", changeDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), resourceOwner: t.orgId, creationDate: expect.any(String) });

    const again = await post(`/v2/users/${userId}/lock`);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ code: 9, message: "User is already locked (USER-already-locked)", details: [errorDetail("USER-already-locked")] });

    expect((await post(`/v2/users/${userId}/unlock`)).status).toBe(200);
    expect((await post(`/v2/users/${userId}/deactivate`)).body.details.sequence).toBe("4");
    const twice = await post(`/v2/users/${userId}/deactivate`);
    expect(twice.status).toBe(400);
    expect(twice.body.details).toEqual([errorDetail("USER-already-inactive")]);

    const got = await rest(server.url, "GET", `/v2/users/${userId}`, { token: server.adminToken });
    expect(got.status).toBe(200);
    expect(got.body.user).toMatchObject({ userId, state: "USER_STATE_INACTIVE", human: { profile: { givenName: "Given" } } });
    expect(got.body.details.sequence).toBe("4");

    expect((await post(`/v2/users/${userId}/reactivate`)).status).toBe(200);
    expect((await rest(server.url, "DELETE", `/v2/users/${userId}`, { token: server.adminToken })).status).toBe(200);
    const gone = await post(`/v2/users/${userId}/reactivate`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe(5);
  });

  it("maps auth failures to 401 and 403", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const anonymous = await rest(server.url, "POST", `/v2/users/${userId}/lock`, { body: {} });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 16, details: [errorDetail("AUTH-no-valid-token")] });
    const nobody = await newMachine(clients, server.adminToken, t.orgId);
    // Management v1 has no self-service: a caller without user.write anywhere is refused before any lookup.
    const denied = await post(`/management/v1/users/${userId}/_lock`, nobody.token);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe(7);
    // v2 lets users act on themselves, so the call gets as far as the user, whom this caller cannot see.
    const hidden = await post(`/v2/users/${userId}/lock`, nobody.token);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ code: 5, details: [errorDetail("USER-not-found")] });
  });

  it("serves management v1 under /management/v1 with the org from x-zitadel-orgid", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const ctx = { "x-zitadel-orgid": t.orgId };
    const locked = await post(`/management/v1/users/${userId}/_lock`, server.adminToken, {}, ctx);
    expect(locked.status).toBe(200);
    expect(locked.body.details).toMatchObject({ sequence: "2", resourceOwner: t.orgId });
    expect(Object.keys(locked.body.details)).toEqual(["sequence", "creationDate", "changeDate", "resourceOwner"]);
    const user = await rest(server.url, "GET", `/management/v1/users/${userId}`, { token: server.adminToken, headers: ctx });
    expect(user.body.user).toMatchObject({ id: userId, state: "USER_STATE_LOCKED" });

    const org = await rest(server.url, "GET", "/management/v1/orgs/me", { token: server.adminToken, headers: ctx });
    expect(org.body.org).toMatchObject({ id: t.orgId, state: "ORG_STATE_ACTIVE" });
    expect((await post("/management/v1/orgs/me/_deactivate", server.adminToken, {}, ctx)).status).toBe(200);
    const twice = await post("/management/v1/orgs/me/_deactivate", server.adminToken, {}, ctx);
    expect(twice.status).toBe(400);
    expect(twice.body.details).toEqual([errorDetail("ORG-already-deactivated")]);
    expect((await post("/management/v1/orgs/me/_reactivate", server.adminToken, {}, ctx)).status).toBe(200);
  });

  it("answers 201 for AddOrganization and serves v2beta by id", async () => {
    const name = unique("rest");
    const created = await post("/v2/organizations", server.adminToken, { name });
    expect(created.status).toBe(201);
    const id = created.body.organizationId;
    expect(created.body.details.resourceOwner).toBe(id);
    const off = await post(`/v2beta/organizations/${id}/deactivate`);
    expect(off.status).toBe(200);
    expect(off.body.changeDate).toMatch(/Z$/);
    expect((await post(`/v2beta/organizations/${id}/deactivate`)).status).toBe(400);
    expect((await post(`/v2beta/organizations/${id}/activate`)).status).toBe(200);
    const dup = await post("/v2/organizations", server.adminToken, { name });
    expect(dup.status).toBe(409);
    expect(dup.body.details).toEqual([errorDetail("ORG-name-taken")]);
  });

  it("refuses AddHumanUser fields it does not support instead of dropping them", async () => {
    const res = await post("/v2/users/human", server.adminToken, {
      organization: { orgId: t.orgId },
      profile: { givenName: "A", familyName: "B" },
      email: { email: "totp@example.com" },
      totpSecret: "JBSWY3DPEHPK3PXP",
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([errorDetail("USER-field-unsupported")]);
  });

  it("rejects bad JSON, unknown paths and wrong verbs in the gateway's format", async () => {
    const bad = await rest(server.url, "POST", "/v2/users/1/lock", { token: server.adminToken, body: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(3);
    const unknown = await rest(server.url, "GET", "/v2/nothing-here", { token: server.adminToken });
    expect(unknown.status).toBe(404);
    const verb = await rest(server.url, "PUT", "/v2/users/1/lock", { token: server.adminToken, body: {} });
    expect(verb.status).toBe(405);
    expect(verb.headers.get("allow")).toBe("POST");
  });
});

import { beforeAll, expect, it } from "vitest";
import { expectOk } from "../harness/clients.js";
import { newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { authenticates, login } from "../login/helpers.js";
import { entraUser, eventTypes, oktaUser, random, scim } from "./helpers.js";

describeOnDatabases("SCIM: an IdP's whole user lifecycle on %s", (t) => {
  const { server, clients } = t;
  let idp: { userId: string; token: string };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    scim(server.url, idp.token, method, `/scim/v2/${t.orgId}${path}`, body, headers);
  const db = () => server.app.database.db;

  beforeAll(async () => {
    // ZITADEL's guide: a machine user with ORG_USER_MANAGER in the organization, and its PAT.
    idp = await newMachine(clients, server.adminToken, t.orgId, ["ORG_USER_MANAGER"]);
  });

  it("Entra ID: probe, create, find by filter, deactivate with \"Replace\"/\"False\", the session dies, reactivate, delete", async () => {
    // 1. The connection test: a filter on a random userName answers 200 with an empty list.
    const probe = await call("GET", `/Users?filter=${encodeURIComponent(`userName eq "${random("probe")}"`)}`);
    expect(probe.status).toBe(200);
    expect(probe.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(probe.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, Resources: [] });

    // 2. Create.
    const userName = `${random("ada")}@example.com`;
    const externalId = random("entra");
    const created = await call("POST", "/Users", entraUser(userName, externalId));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ userName, externalId, active: true, name: { givenName: "Ada", familyName: "Lovelace" }, emails: [{ value: userName }] });
    expect(created.headers.get("location")).toBe(created.body.meta.location);
    expect(created.headers.get("etag")).toBe(created.body.meta.version);

    // 3. Find by filter, as Entra matches users (externalId, userName).
    for (const filter of [`externalId eq "${externalId}"`, `userName eq "${userName.toUpperCase()}"`]) {
      const found = await call("GET", `/Users?filter=${encodeURIComponent(filter)}`);
      expect(found.status, filter).toBe(200);
      expect(found.body.totalResults, filter).toBe(1);
      expect(found.body.Resources[0].id, filter).toBe(id);
    }

    // The user logs in: a session token that authenticates.
    const withPassword = await call("PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "password", value: PASSWORD }],
    });
    expect(withPassword.status).toBe(200);
    const session = expectOk(await login(clients, server.adminToken, { userId: id }, PASSWORD)).sessionToken;
    expect(await authenticates(clients, session)).toBe(true);

    // 4. Deactivate the way Entra sends it: capitalized op, boolean as a string.
    const off = await call("PATCH", `/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await authenticates(clients, session)).toBe(false);
    // Entra resends state: a no-op, no new event.
    const again = await call("PATCH", `/Users/${id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(again.status).toBe(200);
    expect((await eventTypes(db(), id)).filter((t) => t === "user.deactivated")).toHaveLength(1);
    expect((await call("GET", `/Users/${id}`)).body.active).toBe(false);

    // 5. Reactivate; 6. delete.
    const on = await call("PATCH", `/Users/${id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "active", value: "True" }] });
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    const deleted = await call("DELETE", `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/Users/${id}`)).status).toBe(404);
    expect(await eventTypes(db(), id)).toEqual([
      "user.human.added",
      "user.scim.attributes.set",
      "user.password.changed",
      "user.password.check.succeeded",
      "user.activity.recorded",
      "user.deactivated",
      "user.reactivated",
      "user.removed",
    ]);
  });

  it("Okta: create, page with startIndex=1&count=100, deactivate with a path-less {active:false}, the session dies, reactivate, delete", async () => {
    const userName = `${random("grace")}@example.com`;
    const created = await call("POST", "/Users", oktaUser(userName));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.password).toBeUndefined();

    const page = await call("GET", `/Users?startIndex=1&count=100&filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    const all = await call("GET", "/Users?startIndex=1&count=100");
    expect(all.body.Resources.map((u: { id: string }) => u.id)).toContain(id);
    // Machine users (the IdP's own account) are not SCIM Users.
    expect(all.body.Resources.map((u: { id: string }) => u.id)).not.toContain(idp.userId);

    // Okta created the user with a password: it logs in with it.
    const session = expectOk(await login(clients, server.adminToken, { userId: id }, "Okta-Secret-42!")).sessionToken;
    expect(await authenticates(clients, session)).toBe(true);

    const patch = (active: boolean) =>
      call("PATCH", `/Users/${id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value: { active } }] });
    const off = await patch(false);
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await authenticates(clients, session)).toBe(false);
    expect((await patch(false)).status).toBe(200);
    const on = await patch(true);
    expect(on.body.active).toBe(true);
    expect((await patch(true)).status).toBe(200);
    expect((await call("DELETE", `/Users/${id}`)).status).toBe(204);
    const types = await eventTypes(db(), id);
    expect(types.filter((t) => t === "user.deactivated" || t === "user.reactivated")).toEqual(["user.deactivated", "user.reactivated"]);
    expect(types.at(-1)).toBe("user.removed");
  });
});

const PASSWORD = "Correct-Horse-9";

import { beforeAll, expect, it } from "vitest";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { entraUser, eventCount, eventTypes, random, scim } from "./helpers.js";

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const patchOf = (...Operations: object[]) => ({ schemas: [PATCH_OP], Operations });

describeOnDatabases("SCIM Users, discovery and errors on %s", (t) => {
  const { server, clients } = t;
  let otherOrgId: string;
  let idp: { userId: string; token: string };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    scim(server.url, idp.token, method, `/scim/v2/${t.orgId}${path}`, body, headers);
  const db = () => server.app.database.db;
  const create = async (overrides: Record<string, unknown> = {}) => {
    const userName = `${random("u")}@example.com`;
    const res = await call("POST", "/Users", { ...entraUser(userName, random("ext")), ...overrides });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; userName: string; externalId: string; meta: { version: string } };
  };
  const expectError = (res: { status: number; body: any }, status: number, scimType?: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.schemas).toEqual([ERROR]);
    expect(res.body.status).toBe(String(status));
    expect(typeof res.body.detail).toBe("string");
    if (scimType) expect(res.body.scimType).toBe(scimType);
  };

  beforeAll(async () => {
    otherOrgId = await newOrg(clients, server.adminToken);
    idp = await newMachine(clients, server.adminToken, t.orgId, ["ORG_USER_MANAGER"]);
  });

  it("discovery: ServiceProviderConfig, ResourceTypes and Schemas declare what is supported", async () => {
    const spc = await scim(server.url, undefined, "GET", `/scim/v2/${t.orgId}/ServiceProviderConfig`);
    expect(spc.status).toBe(200);
    expect(spc.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 100, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      etag: { supported: true },
      sort: { supported: true },
      authenticationSchemes: [{ type: "oauthbearertoken" }],
    });
    const types = await call("GET", "/ResourceTypes");
    expect(types.body.Resources).toEqual([expect.objectContaining({ id: "User", endpoint: "/Users", schema: "urn:ietf:params:scim:schemas:core:2.0:User" })]);
    expect((await call("GET", "/ResourceTypes/User")).body.id).toBe("User");
    const schemas = await call("GET", "/Schemas");
    const user = schemas.body.Resources[0];
    expect(user.id).toBe("urn:ietf:params:scim:schemas:core:2.0:User");
    const names = user.attributes.map((a: { name: string }) => a.name);
    expect(names).toEqual(["id", "externalId", "userName", "name", "displayName", "nickName", "preferredLanguage", "active", "password", "emails", "phoneNumbers"]);
    expect(user.attributes.find((a: { name: string }) => a.name === "userName").mutability).toBe("immutable");
    expect((await call("GET", `/Schemas/${user.id}`)).body.id).toBe(user.id);
    expectError(await call("GET", "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), 404);
    expectError(await call("POST", "/ServiceProviderConfig", {}), 405);
  });

  it("filters: eq/co/sw/pr on userName, externalId and emails.value with and/or; sortBy, startIndex and count; POST .search", async () => {
    const tag = random("f").replace("-", "");
    const a = await create({ userName: `${tag}-a@example.com`, emails: [{ value: `${tag}-a@example.com`, primary: true }] });
    const b = await create({ userName: `${tag}-b@example.com`, emails: [{ value: `${tag}-b@example.com`, primary: true }] });
    const c = await create({ userName: `${tag}-c@example.com`, emails: [{ value: `${tag}-c@example.com`, primary: true }], externalId: null });
    const ids = async (filter: string, extra = "") => {
      const res = await call("GET", `/Users?filter=${encodeURIComponent(filter)}${extra}`);
      expect(res.status, `${filter}: ${JSON.stringify(res.body)}`).toBe(200);
      return (res.body.Resources as { id: string }[]).map((u) => u.id);
    };
    expect(await ids(`userName sw "${tag}"`, "&sortBy=userName")).toEqual([a.id, b.id, c.id]);
    expect(await ids(`userName sw "${tag}"`, "&sortBy=userName&sortOrder=descending")).toEqual([c.id, b.id, a.id]);
    expect(await ids(`userName co "${tag}-b"`)).toEqual([b.id]);
    expect(await ids(`emails.value eq "${tag}-C@EXAMPLE.COM"`)).toEqual([c.id]);
    expect(await ids(`emails[value eq "${tag}-c@example.com"]`)).toEqual([c.id]);
    expect(await ids(`externalId eq "${a.externalId}" or externalId eq "${b.externalId}"`, "&sortBy=userName")).toEqual([a.id, b.id]);
    expect(await ids(`userName sw "${tag}" and externalId pr`, "&sortBy=userName")).toEqual([a.id, b.id]);
    expect(await ids(`userName sw "${tag}" and not (externalId pr)`)).toEqual([c.id]);
    // externalId is case-exact, userName is not.
    expect(await ids(`externalId eq "${a.externalId.toUpperCase()}"`)).toEqual([]);
    const page = await call("GET", `/Users?filter=${encodeURIComponent(`userName sw "${tag}"`)}&sortBy=userName&startIndex=2&count=1`);
    expect(page.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1, Resources: [{ id: b.id }] });
    const none = await call("GET", `/Users?filter=${encodeURIComponent(`userName sw "${tag}"`)}&count=0`);
    expect(none.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    const search = await call("POST", "/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter: `userName sw "${tag}"`,
      sortBy: "userName",
      startIndex: 1,
      count: 2,
    });
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({ totalResults: 3, itemsPerPage: 2, Resources: [{ id: a.id }, { id: b.id }] });
  });

  it("PATCH: value filters, path-less values, removals; PUT replaces; each change is one event, a repeat none", async () => {
    const user = await create();
    const changed = await call(
      "PATCH",
      `/Users/${user.id}`,
      patchOf(
        { op: "replace", path: 'emails[type eq "work"].value', value: "new.address@example.com" },
        { op: "Add", value: { "name.givenName": "Augusta", nickName: "Ada" } },
        { op: "remove", path: "displayName" },
        { op: "replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value: "Ignored" },
      ),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ emails: [{ value: "new.address@example.com" }], name: { givenName: "Augusta", familyName: "Lovelace" }, nickName: "Ada" });
    expect(changed.body.displayName).toBeUndefined();
    expect(changed.headers.get("etag")).not.toBe(user.meta.version);
    const before = await eventTypes(db(), user.id);
    expect(before.filter((t) => t === "user.scim.attributes.set")).toHaveLength(2); // creation's externalId, this PATCH
    const repeat = await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: 'emails[type eq "work"].value', value: "new.address@example.com" }));
    expect(repeat.status).toBe(200);
    expect(await eventTypes(db(), user.id)).toEqual(before);

    const put = await call("PUT", `/Users/${user.id}`, {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: user.userName,
      name: { givenName: "Ada", familyName: "Byron" },
      emails: [{ value: "ada.byron@example.com", primary: true }],
      active: true,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ name: { givenName: "Ada", familyName: "Byron", formatted: "Ada Byron" }, emails: [{ value: "ada.byron@example.com" }] });
    // PUT replaces: what it leaves out is gone.
    expect(put.body.externalId).toBeUndefined();
    expect(put.body.nickName).toBeUndefined();
    const read = await call("GET", `/Users/${user.id}`);
    expect(read.body).toEqual(put.body);
  });

  it("meta.version is a weak ETag of the sequence; a stale If-Match answers 412 and changes nothing", async () => {
    const user = await create();
    const read = await call("GET", `/Users/${user.id}`);
    expect(read.headers.get("etag")).toMatch(/^W\/"\d+"$/);
    expect(read.body.meta.version).toBe(read.headers.get("etag"));
    const ok = await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "nickName", value: "one" }), { "if-match": read.body.meta.version });
    expect(ok.status).toBe(200);
    const events = await eventCount(db());
    for (const stale of [read.body.meta.version, 'W/"999"', "garbage"]) {
      expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "nickName", value: "two" }), { "if-match": stale }), 412);
      expectError(await call("DELETE", `/Users/${user.id}`, undefined, { "if-match": stale }), 412);
    }
    expect(await eventCount(db())).toBe(events);
    expect((await call("DELETE", `/Users/${user.id}`, undefined, { "if-match": ok.body.meta.version })).status).toBe(204);
  });

  it("If-Match under concurrency: of 8 PATCHes holding the same version exactly one wins, the rest get 412", async () => {
    // On PostgreSQL these race for real (the losers re-run on fresh state and see the new version); PGlite serializes them.
    const user = await create();
    const version = user.meta.version;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "nickName", value: `n${i}` }), { "if-match": version })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    expect((await eventTypes(db(), user.id)).filter((t) => t === "user.scim.attributes.set")).toHaveLength(2); // creation's externalId + the winner
  });

  it("Bulk: bulkId references, failOnErrors, maxOperations and maxPayloadSize", async () => {
    const userName = `${random("bulk")}@example.com`;
    const res = await call("POST", "/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      failOnErrors: 1,
      Operations: [
        { method: "POST", path: "/Users", bulkId: "ada", data: entraUser(userName, random("ext")) },
        { method: "PATCH", path: "/Users/bulkId:ada", data: patchOf({ op: "replace", path: "active", value: false }) },
        { method: "POST", path: "/Users", bulkId: "dup", data: entraUser(userName, random("ext")) },
        { method: "DELETE", path: "/Users/bulkId:ada" },
      ],
    });
    expect(res.status).toBe(200);
    const [created, patched, duplicate, ...rest] = res.body.Operations;
    expect(created).toMatchObject({ method: "POST", bulkId: "ada", status: "201" });
    const id = created.location.split("/").pop();
    expect(patched).toMatchObject({ method: "PATCH", status: "200" });
    expect(duplicate).toMatchObject({ bulkId: "dup", status: "409", response: { scimType: "uniqueness", schemas: [ERROR] } });
    expect(rest).toEqual([]); // failOnErrors 1: the DELETE never ran
    expect((await call("GET", `/Users/${id}`)).body.active).toBe(false);

    const unresolved = await call("POST", "/Bulk", { Operations: [{ method: "DELETE", path: "/Users/bulkId:nobody" }] });
    expect(unresolved.body.Operations[0]).toMatchObject({ status: "409", response: { scimType: "invalidValue" } });
    const events = await eventCount(db());
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ method: "POST", path: "/Users", bulkId: `b${i}`, data: entraUser(`${random("x")}@example.com`, "x") }));
    expectError(await call("POST", "/Bulk", { Operations: tooMany }), 413);
    expectError(await call("POST", "/Bulk", { Operations: [{ method: "POST", path: "/Users", bulkId: "big", data: { userName: "x".repeat(1_100_000) } }] }), 413);
    expect(await eventCount(db())).toBe(events);
  });

  it("errors: RFC 7644 §3.12 shapes with scimType; never a 5xx; bad input changes nothing", async () => {
    const user = await create();
    const events = await eventCount(db());
    expectError(await scim(server.url, undefined, "GET", `/scim/v2/${t.orgId}/Users`), 401);
    expectError(await scim(server.url, "not-a-token", "GET", `/scim/v2/${t.orgId}/Users`), 401);
    expectError(await call("POST", "/Users", { ...entraUser(user.userName.toUpperCase(), "x") }), 409, "uniqueness");
    expectError(await call("GET", `/Users?filter=${encodeURIComponent('userName eq "unterminated')}`), 400, "invalidFilter");
    expectError(await call("GET", `/Users?filter=${encodeURIComponent('title eq "x"')}`), 400, "invalidFilter");
    expectError(await call("GET", `/Users?filter=${encodeURIComponent('userName gt "x"')}`), 400, "invalidFilter");
    expectError(await call("POST", "/Users", { ...entraUser(`${random("v")}@example.com`, "x"), emails: [{ value: "not an address" }] }), 400, "invalidValue");
    expectError(await call("POST", "/Users", { userName: `${random("v")}@example.com` }), 400, "invalidValue");
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "active", value: "maybe" })), 400, "invalidValue");
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "userName", value: "renamed" })), 400, "mutability");
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "id", value: "other" })), 400, "mutability");
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "name.nope", value: "x" })), 400, "invalidPath");
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "remove" })), 400, "invalidPath");
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "replace", path: "emails[type eq", value: "x" })), 400);
    expectError(await call("PATCH", `/Users/${user.id}`, patchOf({ op: "move", path: "nickName" })), 400, "invalidSyntax");
    expectError(await call("POST", "/Users", "{not json"), 400, "invalidSyntax");
    expectError(await call("POST", "/Users", entraUser(`${random("v")}@example.com`, "x"), { "content-type": "text/plain" }), 415);
    expectError(await call("GET", "/Users?count=many"), 400, "invalidValue");
    // Found by the fuzz test: an array's own `filter` method was read as the filter (500).
    expectError(await call("POST", "/Users/.search", []), 400, "invalidSyntax");
    expectError(await call("POST", "/Users/.search", { filter: 7 }), 400, "invalidValue");
    expectError(await call("GET", "/Users?sortBy=title"), 400, "invalidValue");
    expectError(await call("GET", "/Users/%E0%A4%A"), 404);
    expectError(await call("GET", "/Groups"), 404);
    expectError(await call("DELETE", "/Users"), 405);
    expect(await eventCount(db())).toBe(events);
  });

  it("authorization: another organization's users and organizations are NotFound; machine users are not SCIM Users", async () => {
    const foreign = await newHuman(clients, server.adminToken, otherOrgId);
    expectError(await call("GET", `/Users/${foreign}`), 404);
    expectError(await call("PATCH", `/Users/${foreign}`, patchOf({ op: "replace", path: "active", value: false })), 404);
    expectError(await call("DELETE", `/Users/${foreign}`), 404);
    // The org named in the URL must be one the token may act in.
    expectError(await scim(server.url, idp.token, "GET", `/scim/v2/${otherOrgId}/Users`), 404);
    expectError(await scim(server.url, idp.token, "POST", `/scim/v2/${otherOrgId}/Users`, entraUser(`${random("o")}@example.com`, "x")), 404);
    // A user of this organization's path but owned by the other one stays invisible even for an instance admin's URL mix-up.
    expectError(await scim(server.url, server.adminToken, "GET", `/scim/v2/${t.orgId}/Users/${foreign}`), 404);
    expectError(await call("GET", `/Users/${idp.userId}`), 404);
    // A user without permissions in the organization: 404 for its users, as if they did not exist.
    const nobody = await newMachine(clients, server.adminToken, t.orgId);
    expectError(await scim(server.url, nobody.token, "GET", `/scim/v2/${t.orgId}/Users`), 404);
  });
});

import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { entraUser, eventCount, random, scim } from "./helpers.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

// Fragments of the filter and PATCH grammars, so generated input reaches deep into both parsers.
const filterPiece = fc.constantFrom("userName", "externalId", "emails.value", "emails[", "]", "name.givenName", "eq", "co", "sw", "pr", "gt", "and", "or", "not", "(", ")", '"x"', '"', "true", "null", "42", "\\", "title", "urn:ietf:params:scim:schemas:core:2.0:User:userName");
const pathPiece = fc.constantFrom("emails", "[type eq \"work\"]", ".value", "name", ".givenName", "active", "userName", "id", "meta", "[", "]", "urn:x:y", ".", "phoneNumbers", "password");
const anyJson = fc.jsonValue({ maxDepth: 3 });

describeOnDatabases("SCIM bad input on %s: a clear 4xx, never a 5xx, nothing written", (t) => {
  const { server, clients } = t;
  let base: string;
  let token: string;
  let userId: string;
  const statuses = new Map<number, number>();
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await scim(server.url, token, method, `${base}${path}`, body);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect(res.status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
    if (res.status >= 400) expect(res.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    return res;
  };

  beforeAll(async () => {
    ({ token } = await newMachine(clients, server.adminToken, t.orgId, ["ORG_USER_MANAGER"]));
    base = `/scim/v2/${t.orgId}`;
    userId = (await scim(server.url, token, "POST", `${base}/Users`, entraUser(`${random("f")}@example.com`, "ext"))).body.id;
  });
  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`SCIM fuzz on ${t.kind}: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  it("filters", async () => {
    const before = await eventCount(server.app.database.db);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(filterPiece, { maxLength: 12 }).map((p) => p.join(" ")), fc.string({ maxLength: 40 })), async (filter) => {
        const res = await send("GET", `/Users?filter=${encodeURIComponent(filter)}`);
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: RUNS },
    );
    expect(await eventCount(server.app.database.db)).toBe(before);
  });

  it("PATCH operations that cannot apply", async () => {
    const before = await eventCount(server.app.database.db);
    let applied = 0;
    const op = fc.record({
      op: fc.constantFrom("add", "Replace", "remove", "move", 7),
      path: fc.oneof(fc.array(pathPiece, { maxLength: 5 }).map((p) => p.join("")), anyJson),
      value: anyJson,
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ Operations: fc.array(op, { maxLength: 4 }) }), anyJson), async (body) => {
        if ((await send("PATCH", `/Users/${userId}`, body)).status === 200) applied++;
      }),
      { numRuns: RUNS },
    );
    // A generated PATCH that happens to be valid (e.g. removing a write-only password) may write; refusals never do.
    if (applied === 0) expect(await eventCount(server.app.database.db)).toBe(before);
  });

  it("POST, PUT and Bulk bodies of any JSON", async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, fc.constantFrom("POST /Users", `PUT /Users/${"x"}`, "POST /Bulk", "POST /Users/.search"), async (body, target) => {
        const [method, path] = target.split(" ");
        await send(method, path === "/Users/x" ? `/Users/${userId}` : path, body === null ? "null" : body);
      }),
      { numRuns: RUNS },
    );
  });
});

import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { openApiText } from "../../src/gateway/openapi-document.js";
import { rest } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

const committedText = readFileSync(new URL("../../openapi/openapi.json", import.meta.url), "utf8");
const committed = JSON.parse(committedText);
const v1UsersText = readFileSync(new URL("../../openapi/v1-users.json", import.meta.url), "utf8");
const verbs = ["get", "put", "post", "delete", "patch"];

/** Every documented operation, deletes last so that the sample resources exist for the others. */
const operations = Object.entries(committed.paths as Record<string, Record<string, any>>)
  .flatMap(([path, item]) => verbs.filter((v) => item[v]).map((verb) => ({ path, verb, op: item[verb] })))
  .sort((a, b) => Number(a.verb === "delete") - Number(b.verb === "delete"));

/** A 404/405 the router gives (no route), as opposed to a handler's NotFound for an unknown resource. */
function isRoutingMiss(status: number, body: any): boolean {
  return status === 405 || (status === 404 && (body?.message === "Not Found" || body?.message === "No such resource"));
}

describe("the committed OpenAPI document", () => {
  it("equals a fresh generation from the protos (run `npm run openapi` after changing them)", () => {
    expect(committedText).toBe(openApiText());
  });

  it("is OpenAPI 3.1 covering the REST gateway and the /v1/users surface, and every $ref resolves", () => {
    expect(committed.openapi).toBe("3.1.0");
    expect(Object.keys(committed.paths)).toEqual(expect.arrayContaining(["/v2/users/{user_id}/lock", "/management/v1/orgs/me/_deactivate", "/v1/users/{user_id}/deactivate"]));
    const refs = [...committedText.matchAll(/"\$ref": "#\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(100);
    const unresolved = refs.filter((r) => r.split("/").reduce((node: any, key) => node?.[key], committed) === undefined);
    expect(unresolved).toEqual([]);
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// Routing does not depend on the database: one kind is enough (PostgreSQL when available, it starts faster).
describeOnDatabases("every documented operation is routed (%s)", { kinds: databaseKinds.slice(-1) }, (t) => {
  const { server, clients } = t;
  const samples: Record<string, string> = {};

  beforeAll(async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    Object.assign(samples, { user_id: userId, id: userId, key_id: "0", session_id: "0", orgId: t.orgId });
  });

  it("serves the document at GET /openapi.json and the /v1/users one at /v1/openapi.json", async () => {
    const whole = await fetch(new URL("/openapi.json", server.url));
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("application/json");
    expect(await whole.text()).toBe(committedText);
    const v1 = await fetch(new URL("/v1/openapi.json", server.url));
    expect(v1.status).toBe(200);
    expect(JSON.parse(await v1.text())).toEqual(JSON.parse(v1UsersText));
  });

  it("tells a routing miss from a handler's answer (so the walk below can fail)", async () => {
    const gateway = await rest(server.url, "GET", "/v2/no-such-route", { token: server.adminToken });
    const v1 = await rest(server.url, "POST", "/v1/users/x/no-such-route", { token: server.adminToken });
    const wrongVerb = await rest(server.url, "PUT", "/v2/users/human", { token: server.adminToken, body: {} });
    expect([gateway, v1, wrongVerb].map((r) => isRoutingMiss(r.status, r.body))).toEqual([true, true, true]);
    const unknownUser = await rest(server.url, "GET", "/v2/users/123", { token: server.adminToken });
    expect(unknownUser.status).toBe(404);
    expect(isRoutingMiss(unknownUser.status, unknownUser.body)).toBe(false);
  });

  it(`answers each of the ${operations.length} operations with a 2xx or a 4xx of the handler`, async () => {
    const answers: string[] = [];
    for (const { path, verb, op } of operations) {
      const concrete = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(samples[name] ?? "0"));
      const headers: Record<string, string> = {};
      if (op.parameters?.some((p: any) => p.$ref === "#/components/parameters/OrgContext")) headers["x-zitadel-orgid"] = samples.orgId;
      const result = await rest(server.url, verb.toUpperCase(), concrete, { token: server.adminToken, body: op.requestBody ? {} : undefined, headers });
      answers.push(`${verb.toUpperCase()} ${path} -> ${result.status}`);
      const declared = Object.keys(op.responses);
      expect.soft(isRoutingMiss(result.status, result.body), `${verb} ${path}: ${JSON.stringify(result.body)}`).toBe(false);
      expect.soft(result.status, `${verb} ${path}: ${JSON.stringify(result.body)}`).toBeLessThan(500);
      if (result.status < 300) expect.soft(declared, `${verb} ${path}`).toContain(String(result.status));
    }
    expect(answers).toHaveLength(operations.length);
    expect(operations.length).toBeGreaterThanOrEqual(37);
  });
});

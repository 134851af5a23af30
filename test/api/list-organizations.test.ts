import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { TextQueryMethod as M } from "../../gen/zitadel/object/v2/object_pb.js";
import { OrganizationFieldName as F, OrganizationState as S, type SearchQuerySchema } from "../../gen/zitadel/org/v2/org_pb.js";
import { OrganizationService } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceBeta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import type { Org } from "../../gen/zitadel/org_pb.js";
import { expectOk, rest } from "../harness/clients.js";
import { newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

type Q = MessageInitShape<typeof SearchQuerySchema>;
const sq = (c: string, value: object) => ({ query: { case: c, value } }) as Q;
const name = (n: string, method: M) => sq("nameQuery", { name: n, method });
const domain = (d: string, method: M) => sq("domainQuery", { domain: d, method });
const state = (s: S) => sq("stateQuery", { state: s });

/** The oracle for one text method: odd methods ignore case; method >> 1 is equals/starts/contains/ends. */
function matches(value: string, search: string, method: M): boolean {
  const [v, s] = method % 2 ? [value.toLowerCase(), search.toLowerCase()] : [value, search];
  return [v === s, v.startsWith(s), v.includes(s), v.endsWith(s)][method >> 1];
}

// Names chosen to sort the same under C and linguistic collations.
const NAMES = ["Acme Corp", "Bacme Labs", "Beta1Org", "Beta_Org", "Gamma%One", "Omega Works"];

describeOnDatabases("ListOrganizations on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;
  /** Every listed (not removed) organization as management v1 GetMyOrg returns it, in creation order. */
  const model: Org[] = [];
  const ids: Record<string, string> = {};
  let manager: { token: string }, nobody: { token: string };

  const myOrg = async (orgId?: string) =>
    expectOk(await clients.call("connect-json", ManagementService, "getMyOrg", {}, server.adminToken, orgId ? { "x-zitadel-orgid": orgId } : {})).org!;

  beforeAll(async () => {
    const zitadel = await myOrg();
    ids.ZITADEL = zitadel.id;
    for (const n of NAMES) {
      ids[n] = expectOk(await clients.call("connect-json", OrganizationService, "addOrganization", { name: n }, server.adminToken)).organizationId;
    }
    expectOk(await clients.call("connect-json", OrganizationServiceBeta, "deactivateOrganization", { id: ids.Beta1Org }, server.adminToken));
    expectOk(await clients.call("connect-json", ManagementService, "removeOrg", {}, server.adminToken, { "x-zitadel-orgid": ids["Omega Works"] }));
    manager = await newMachine(clients, server.adminToken, ids["Acme Corp"], ["ORG_USER_MANAGER"]);
    nobody = await newMachine(clients, server.adminToken, ids["Bacme Labs"]);
    model.push(zitadel);
    for (const n of NAMES.slice(0, -1)) model.push(await myOrg(ids[n]));
  });

  describe.each(["grpc", "connect-json"] as const)("over %s", (protocol) => {
    const list = (req: object, token = server.adminToken) => clients.call(protocol, OrganizationService, "listOrganizations", req as never, token);
    const found = async (queries: Q[]) => expectOk(await list({ queries })).result.map((o) => o.name).sort();
    const expected = (keep: (o: Org) => boolean) => model.filter(keep).map((o) => o.name).sort();

    it("lists every live organization with its details, counting and paging", async () => {
      const all = expectOk(await list({}));
      expect(all.details?.totalResult).toBe(BigInt(model.length));
      const { max } = (await sql<{ max: number }>`select max(position) as max from events`.execute(server.app.database.db)).rows[0];
      expect(all.details?.processedSequence).toBe(BigInt(max));
      // Default order: newest first.
      expect(all.result.map((o) => o.id)).toEqual(model.map((o) => o.id).reverse());
      for (const [i, org] of model.entries()) {
        const d = org.details!;
        expect(all.result.at(-1 - i)).toMatchObject({
          id: org.id, name: org.name, primaryDomain: org.primaryDomain, state: Number(org.state) as S,
          details: { sequence: d.sequence, creationDate: d.creationDate, changeDate: d.changeDate, resourceOwner: org.id },
        });
      }
      expect(all.result.find((o) => o.name === "Beta1Org")?.state).toBe(S.INACTIVE);

      const byName = model.map((o) => o.name).sort();
      const page = (query: object) => list({ query, sortingColumn: F.NAME }).then((r) => expectOk(r));
      expect((await page({ asc: true })).result.map((o) => o.name)).toEqual(byName);
      expect((await page({})).result.map((o) => o.name)).toEqual([...byName].reverse());
      const middle = await page({ offset: 1n, limit: 2, asc: true });
      expect(middle).toMatchObject({ sortingColumn: F.NAME, details: { totalResult: BigInt(model.length) } });
      expect(middle.result.map((o) => o.name)).toEqual(byName.slice(1, 3));
      expect((await page({ offset: 50n })).result).toEqual([]);
      expect(expectOk(await list({ query: { asc: true } })).result.map((o) => o.id)).toEqual(model.map((o) => o.id));
      expect(await list({ query: { limit: 1001 } })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "LIST-limit-too-large" });
    });

    it("matches names and domains with every text method, taking wildcards literally", async () => {
      const methods = Object.values(M).filter((m) => typeof m === "number");
      for (const probe of ["acme", "Acme Corp", "acme corp", "Beta", "org", "LABS"]) {
        for (const method of methods) expect(await found([name(probe, method)]), `${M[method]} ${probe}`).toEqual(expected((o) => matches(o.name, probe, method)));
      }
      for (const probe of ["acme", "ACME-CORP.localhost", ".localhost", "beta"]) {
        for (const method of methods) expect(await found([domain(probe, method)]), `${M[method]} ${probe}`).toEqual(expected((o) => matches(o.primaryDomain, probe, method)));
      }
      expect(await found([name("acme", M.CONTAINS)])).toEqual(["Bacme Labs"]);
      expect(await found([name("Beta_", M.STARTS_WITH)])).toEqual(["Beta_Org"]);
      expect(await found([name("%", M.CONTAINS)])).toEqual(["Gamma%One"]);
      expect(await found([name("a_org", M.ENDS_WITH_IGNORE_CASE)])).toEqual(["Beta_Org"]);
    });

    it("filters by state, id and the default organization; removed ones only when asked for", async () => {
      expect(await found([state(S.ACTIVE)])).toEqual(expected((o) => o.name !== "Beta1Org"));
      expect(await found([state(S.INACTIVE)])).toEqual(["Beta1Org"]);
      const removed = expectOk(await list({ queries: [state(S.REMOVED)] }));
      expect(removed.result).toMatchObject([{ id: ids["Omega Works"], name: "Omega Works", state: S.REMOVED }]);
      expect(removed.details?.totalResult).toBe(1n);
      expect(await found([sq("idQuery", { id: ids["Omega Works"] })])).toEqual([]);
      expect(await found([sq("idQuery", { id: ids["Omega Works"] }), state(S.REMOVED)])).toEqual(["Omega Works"]);
      expect(await found([sq("idQuery", { id: ids["Gamma%One"] })])).toEqual(["Gamma%One"]);
      expect(await found([sq("defaultQuery", {})])).toEqual(["ZITADEL"]);
      expect(await found([name("a", M.CONTAINS), state(S.ACTIVE), domain(".localhost", M.ENDS_WITH)])).toEqual(["Bacme Labs", "Beta_Org", "Gamma%One"]);
    });

    it("refuses malformed queries and unknown sorting columns", async () => {
      const refused = async (req: object, reason: string) => expect(await list(req)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason });
      await refused({ queries: [{}] }, "ORG-query-invalid");
      await refused({ queries: [state(S.UNSPECIFIED)] }, "ORG-query-invalid");
      await refused({ queries: [sq("idQuery", { id: "" })] }, "ORG-query-invalid");
      await refused({ queries: Array.from({ length: 101 }, () => state(S.ACTIVE)) }, "ORG-query-invalid");
      await refused({ queries: [name("x", 42 as M)] }, "LIST-text-method-invalid");
      await refused({ queries: [name("x".repeat(201), M.EQUALS)] }, "LIST-text-too-long");
      await refused({ sortingColumn: 7 }, "ORG-sorting-column-invalid");
    });

    it("lists only the organizations where the caller holds org.read", async () => {
      const mine = expectOk(await list({}, manager.token));
      expect(mine.result.map((o) => o.id)).toEqual([ids["Acme Corp"]]);
      expect(mine.details?.totalResult).toBe(1n);
      expect(expectOk(await list({ queries: [sq("defaultQuery", {})] }, manager.token)).result).toEqual([]);
      expect(await list({}, nobody.token)).toMatchObject({ ok: false, code: Code.PermissionDenied, reason: "AUTH-permission-denied" });
      expect(await list({}, "")).toMatchObject({ ok: false, code: Code.Unauthenticated });
    });
  });

  it("answers POST /v2/organizations/_search over REST", async () => {
    const body = { queries: [{ nameQuery: { name: "acme corp", method: "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE" } }], sortingColumn: "ORGANIZATION_FIELD_NAME_NAME" };
    const res = await rest(server.url, "POST", "/v2/organizations/_search", { token: server.adminToken, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      details: { totalResult: "1" },
      sortingColumn: "ORGANIZATION_FIELD_NAME_NAME",
      result: [{ id: ids["Acme Corp"], name: "Acme Corp", state: "ORGANIZATION_STATE_ACTIVE", primaryDomain: "acme-corp.localhost" }],
    });
    expect((await rest(server.url, "POST", "/v2/organizations/_search", { token: nobody.token, body: {} })).status).toBe(403);
  });
});

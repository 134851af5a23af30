import type { DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/lifecycle/apikey/v1/api_key_service_pb.js";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService as OrgV2 } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrgV2beta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { SessionService } from "../../gen/zitadel/session/v2/session_service_pb.js";
import { LockoutPolicyService } from "../../gen/lifecycle/settings/v1/lockout_policy_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { LifecyclePolicyService } from "../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import type { Db } from "../../src/db/database.js";
import { expectOk } from "../harness/clients.js";
import { newHuman, unique } from "../harness/fixtures.js";
import { type AnyProtocol, callAny } from "../harness/rest-call.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { login, newHumanWithPassword, PASSWORD } from "../login/helpers.js";
import { addApiKey, deactivatePath, v1 } from "../v1-surface/helpers.js";

// An owner of organization Alpha against everything in organization Bravo: every method that names an org or a
// user, by id, by domain, by the org header, over REST, gRPC and Connect. Each refusal must be the answer a
// missing target gets (nothing leaks that Bravo's objects exist), and must leave the event log untouched.

const PROTOCOLS: AnyProtocol[] = ["rest", "grpc", "connect-json"];
const MISSING_ID = "999999999999999999";

interface World {
  alpha: string;
  bravo: string;
  bravoDomain: string;
  bravoUser: string;
  bravoSession: string;
  alphaUser: string;
  alphaOwner: { userId: string; token: string };
  alphaPlain: { userId: string; username: string; token: string };
}

/** A refused call and its twin aimed at a target that does not exist; both must get the same answer. */
interface Case {
  name: string;
  service: DescService;
  method: string;
  request: (w: World, target: "bravo" | "missing") => object;
  headers?: (w: World, target: "bravo" | "missing") => Record<string, string>;
  code: Code;
}

const human = (org: object) => ({
  organization: { org },
  username: unique("x"),
  profile: { givenName: "G", familyName: "F" },
  email: { email: `${unique("x")}@example.com`, verification: { case: "isVerified", value: true } },
});
const user = (w: World, t: "bravo" | "missing") => (t === "bravo" ? w.bravoUser : MISSING_ID);
const org = (w: World, t: "bravo" | "missing") => (t === "bravo" ? w.bravo : MISSING_ID);
const orgHeader = (w: World, t: "bravo" | "missing") => ({ "x-zitadel-orgid": org(w, t) });

const userTargets: Case[] = (["deactivateUser", "reactivateUser", "lockUser", "unlockUser", "deleteUser", "getUserByID"] as const).map((method) => ({
  name: `UserService/${method}`,
  service: UserService,
  method,
  request: (w, t) => ({ userId: user(w, t) }),
  code: Code.NotFound,
}));

const v1UserTargets = (["deactivateUser", "reactivateUser", "lockUser", "unlockUser", "removeUser", "getUserByID"] as const).flatMap((method): Case[] => [
  { name: `ManagementService/${method} in Bravo's context`, service: ManagementService, method, request: (w, t) => ({ id: user(w, t) }), headers: orgHeader, code: Code.NotFound },
  {
    name: `ManagementService/${method} of a Bravo user in Alpha's context`,
    service: ManagementService,
    method,
    request: (w, t) => ({ id: user(w, t) }),
    headers: (w) => ({ "x-zitadel-orgid": w.alpha }),
    code: Code.NotFound,
  },
]);

const CASES: Case[] = [
  { name: "AddHumanUser into Bravo by id", service: UserService, method: "addHumanUser", request: (w, t) => human({ case: "orgId", value: org(w, t) }), code: Code.NotFound },
  {
    name: "AddHumanUser into Bravo by domain",
    service: UserService,
    method: "addHumanUser",
    request: (w, t) => human({ case: "orgDomain", value: t === "bravo" ? w.bravoDomain : "missing.localhost" }),
    code: Code.NotFound,
  },
  {
    name: "CreateUser into Bravo",
    service: UserService,
    method: "createUser",
    request: (w, t) => ({ organizationId: org(w, t), userType: { case: "machine", value: { name: unique("bot") } } }),
    code: Code.NotFound,
  },
  ...userTargets,
  { name: "SetPassword without proof", service: UserService, method: "setPassword", request: (w, t) => ({ userId: user(w, t), newPassword: { password: "New-Password-1!" } }), code: Code.NotFound },
  {
    name: "SetPassword with a current password",
    service: UserService,
    method: "setPassword",
    request: (w, t) => ({ userId: user(w, t), newPassword: { password: "New-Password-1!" }, verification: { case: "currentPassword", value: PASSWORD } }),
    code: Code.NotFound,
  },
  { name: "PasswordReset", service: UserService, method: "passwordReset", request: (w, t) => ({ userId: user(w, t), medium: { case: "returnCode", value: {} } }), code: Code.NotFound },
  { name: "AddPersonalAccessToken", service: UserService, method: "addPersonalAccessToken", request: (w, t) => ({ userId: user(w, t) }), code: Code.NotFound },
  ...(["getMyOrg", "deactivateOrg", "reactivateOrg", "removeOrg"] as const).map((method) => ({
    name: `ManagementService/${method} with Bravo as context`,
    service: ManagementService,
    method,
    request: () => ({}),
    headers: orgHeader,
    code: Code.NotFound,
  })),
  {
    name: "ManagementService/AddOrgMember: Alpha's plain user as owner of Bravo",
    service: ManagementService,
    method: "addOrgMember",
    request: (w) => ({ userId: w.alphaPlain.userId, roles: ["ORG_OWNER"] }),
    headers: orgHeader,
    code: Code.NotFound,
  },
  ...v1UserTargets,
  ...(["deactivateOrganization", "activateOrganization"] as const).map((method) => ({
    name: `v2beta OrganizationService/${method}`,
    service: OrgV2beta,
    method,
    request: (w: World, t: "bravo" | "missing") => ({ id: org(w, t) }),
    code: Code.NotFound,
  })),
];

const LIFECYCLE_CASES: Case[] = [
  ...(["setInactivityPolicy", "getInactivityPolicy", "removeInactivityPolicy", "previewDeactivations"] as const).map((method) => ({
    name: `LifecyclePolicyService/${method} of Bravo`,
    service: LifecyclePolicyService,
    method,
    request: (w: World, t: "bravo" | "missing") => ({ organizationId: org(w, t), inactiveDays: 30 }),
    code: Code.NotFound,
  })),
  ...(["scheduleDeactivation", "cancelScheduledDeactivation", "getScheduledDeactivation", "setLifecycleExemption"] as const).map((method) => ({
    name: `LifecyclePolicyService/${method} of a Bravo user`,
    service: LifecyclePolicyService,
    method,
    request: (w: World, t: "bravo" | "missing") => ({ userId: user(w, t), deactivateAt: { seconds: 4_000_000_000n, nanos: 0 }, exempt: true }),
    code: Code.NotFound,
  })),
];
CASES.push(...LIFECYCLE_CASES);

const SESSION_CASES: Case[] = (["getSession", "deleteSession"] as const).map((method) => ({
  name: `SessionService/${method} of a Bravo user's session`,
  service: SessionService,
  method,
  request: (w, t) => ({ sessionId: t === "bravo" ? w.bravoSession : MISSING_ID }),
  // An org owner holds session.read/delete nowhere: refused before anything is looked up, either way.
  code: Code.PermissionDenied,
}));
CASES.push(...SESSION_CASES);

/** Instance-level methods: an org owner holds none of these anywhere. */
const INSTANCE_CASES: { name: string; service: DescService; method: string; request: (w: World) => object }[] = [
  { name: "AddOrganization", service: OrgV2, method: "addOrganization", request: () => ({ name: unique("org") }) },
  { name: "ManagementService/AddOrg", service: ManagementService, method: "addOrg", request: () => ({ name: unique("org") }) },
  { name: "CreateSession for a Bravo user by login name", service: SessionService, method: "createSession", request: () => ({ checks: { user: { search: { case: "loginName", value: "anyone" } } } }) },
  { name: "AddApiKey", service: ApiKeyService, method: "addApiKey", request: () => ({ name: unique("key") }) },
  { name: "SetLockoutPolicy", service: LockoutPolicyService, method: "setLockoutPolicy", request: () => ({ maxPasswordAttempts: 1n }) },
];

async function logState(db: Db) {
  const { rows } = await sql<{ n: number; max: number | null }>`select count(*)::int as n, max(position) as max from events`.execute(db);
  return { events: Number(rows[0].n), lastPosition: Number(rows[0].max) };
}

describeOnDatabases("authorization on the loaded resource, on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;
  let db: Db;
  let w: World;

  beforeAll(async () => {
    db = server.app.database.db;
    const admin = server.adminToken;
    const addOrg = async () => expectOk(await clients.call("connect-json", OrgV2, "addOrganization", { name: unique("org") }, admin)).organizationId;
    const alpha = await addOrg();
    const bravo = await addOrg();
    const bravoOrg = expectOk(await clients.call("connect-json", ManagementService, "getMyOrg", {}, admin, { "x-zitadel-orgid": bravo })).org;
    const owner = await newHumanWithPassword(clients, admin, alpha);
    expectOk(await clients.call("connect-json", ManagementService, "addOrgMember", { userId: owner.userId, roles: ["ORG_OWNER"] }, admin, { "x-zitadel-orgid": alpha }));
    const plain = await newHumanWithPassword(clients, admin, alpha);
    const tokenOf = async (userId: string) => expectOk(await login(clients, admin, { userId })).sessionToken;
    const bravoLogin = await newHumanWithPassword(clients, admin, bravo);
    w = {
      alpha,
      bravo,
      bravoDomain: bravoOrg!.primaryDomain,
      bravoUser: await newHuman(clients, admin, bravo),
      bravoSession: expectOk(await login(clients, admin, { userId: bravoLogin.userId })).sessionId,
      alphaUser: await newHuman(clients, admin, alpha),
      alphaOwner: { userId: owner.userId, token: await tokenOf(owner.userId) },
      alphaPlain: { ...plain, token: await tokenOf(plain.userId) },
    };
  });

  it("the reported hole: an Alpha owner cannot create a user in Bravo by Bravo's domain", async () => {
    const before = await logState(db);
    const res = await callAny(clients, "rest", UserService, "addHumanUser", human({ case: "orgDomain", value: w.bravoDomain }), w.alphaOwner.token);
    expect(res).toMatchObject({ ok: false, code: Code.NotFound, reason: "ORG-not-found" });
    expect(await logState(db)).toEqual(before);
  });

  describe.each(PROTOCOLS)("over %s", (protocol) => {
    it.each(CASES)("$name: refused like a missing target, nothing written", async (c) => {
      const before = await logState(db);
      const call = (t: "bravo" | "missing") => callAny(clients, protocol, c.service, c.method, c.request(w, t), w.alphaOwner.token, c.headers?.(w, t) ?? {});
      const refused = await call("bravo");
      if (refused === undefined) return; // no REST binding for this method (gRPC/Connect only)
      const missing = await call("missing");
      expect(refused).toMatchObject({ ok: false, code: c.code });
      expect(refused.ok ? undefined : [refused.code, refused.reason]).toEqual(missing?.ok ? undefined : [missing?.code, missing?.reason]);
      expect(await logState(db)).toEqual(before);
    });

    it.each(INSTANCE_CASES)("$name (instance level) → PermissionDenied, nothing written", async (c) => {
      const before = await logState(db);
      const res = await callAny(clients, protocol, c.service, c.method, c.request(w), w.alphaOwner.token);
      expect(res).toMatchObject({ ok: false, code: Code.PermissionDenied });
      expect(await logState(db)).toEqual(before);
    });

    it("lists show nothing of Bravo", async () => {
      const users = await callAny(clients, protocol, UserService, "listUsers", { queries: [{ query: { case: "organizationIdQuery", value: { organizationId: w.bravo } } }] }, w.alphaOwner.token);
      expect(users).toMatchObject({ ok: true });
      const userIds = JSON.stringify((users as { message: unknown }).message, (_, v) => (typeof v === "bigint" ? String(v) : v));
      expect(userIds).not.toContain(w.bravoUser);
      const orgs = await callAny(clients, protocol, OrgV2, "listOrganizations", {}, w.alphaOwner.token);
      expect(orgs).toMatchObject({ ok: true });
      const orgText = JSON.stringify((orgs as { message: unknown }).message, (_, v) => (typeof v === "bigint" ? String(v) : v));
      expect(orgText).toContain(w.alpha);
      expect(orgText).not.toContain(w.bravo);
    });
  });

  it("the /v1 surface: an Alpha owner's token cannot deactivate a Bravo user (404 like a missing one)", async () => {
    const key = await addApiKey(clients, server.adminToken);
    const before = await logState(db);
    const refused = await v1(server.url, "POST", deactivatePath(w.bravoUser), { apiKey: key.key, token: w.alphaOwner.token });
    const missing = await v1(server.url, "POST", deactivatePath(MISSING_ID), { apiKey: key.key, token: w.alphaOwner.token });
    expect(refused.status).toBe(404);
    expect(refused.body).toEqual(missing.body);
    expect(await logState(db)).toEqual(before);
  });

  it("the Alpha owner succeeds on Alpha's own users and organization, on every protocol", async () => {
    const token = w.alphaOwner.token;
    for (const protocol of PROTOCOLS) {
      const byId = await callAny(clients, protocol, UserService, "addHumanUser", human({ case: "orgId", value: w.alpha }), token);
      expect(byId, protocol).toMatchObject({ ok: true });
      const alphaDomain = expectOk(await clients.call("grpc", ManagementService, "getMyOrg", {}, token, { "x-zitadel-orgid": w.alpha })).org!.primaryDomain;
      expect(await callAny(clients, protocol, UserService, "addHumanUser", human({ case: "orgDomain", value: alphaDomain }), token), protocol).toMatchObject({ ok: true });
      const target = await newHuman(clients, server.adminToken, w.alpha);
      for (const method of ["getUserByID", "lockUser", "unlockUser", "deactivateUser", "reactivateUser"]) {
        expect(await callAny(clients, protocol, UserService, method, { userId: target }, token), `${protocol} ${method}`).toMatchObject({ ok: true });
      }
      for (const method of ["lockUser", "unlockUser", "getUserByID", "removeUser"]) {
        expect(await callAny(clients, protocol, ManagementService, method, { id: target }, token, { "x-zitadel-orgid": w.alpha }), `${protocol} v1 ${method}`).toMatchObject({ ok: true });
      }
      expect(await callAny(clients, protocol, UserService, "passwordReset", { userId: w.alphaUser, medium: { case: "returnCode", value: {} } }, token)).toMatchObject({ ok: true });
    }
  });

  it("an IAM owner succeeds on Bravo's targets", async () => {
    const admin = server.adminToken;
    expect(await callAny(clients, "rest", UserService, "addHumanUser", human({ case: "orgDomain", value: w.bravoDomain }), admin)).toMatchObject({ ok: true });
    const target = await newHuman(clients, admin, w.bravo);
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId: target }, admin));
    expectOk(await clients.call("grpc", ManagementService, "unlockUser", { id: target }, admin, { "x-zitadel-orgid": w.bravo }));
    expectOk(await clients.call("connect-json", OrgV2beta, "deactivateOrganization", { id: w.bravo }, admin));
    expectOk(await clients.call("connect-json", ManagementService, "reactivateOrg", {}, admin, { "x-zitadel-orgid": w.bravo }));
  });

  describe("self-service, as ZITADEL allows it", () => {
    it("a user without any role reads itself, and only itself", async () => {
      const { token, userId } = w.alphaPlain;
      const self = await callAny(clients, "rest", UserService, "getUserByID", { userId }, token);
      expect(self).toMatchObject({ ok: true });
      expect(await clients.call("grpc", UserService, "getUserByID", { userId }, token)).toMatchObject({ ok: true, message: { user: { userId } } });
      expect(await clients.call("grpc", UserService, "getUserByID", { userId: w.alphaUser }, token)).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
      const listed = expectOk(await clients.call("connect-json", UserService, "listUsers", {}, token));
      expect(listed.result.map((u) => u.userId)).toEqual([userId]);
      // The v1 management API has no self-service: it needs user.read in the context organization.
      expect(await clients.call("grpc", ManagementService, "getUserByID", { id: userId }, token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    });

    it("a user without any role changes its own password with the current one, but nobody else's", async () => {
      const plain = await newHumanWithPassword(clients, server.adminToken, w.alpha);
      const token = expectOk(await login(clients, server.adminToken, { userId: plain.userId })).sessionToken;
      const before = await logState(db);
      const other = await clients.call("grpc", UserService, "setPassword", { userId: w.alphaPlain.userId, newPassword: { password: "Other-Horse-7!" }, verification: { case: "currentPassword", value: PASSWORD } }, token);
      expect(other).toMatchObject({ ok: false, code: Code.NotFound });
      expect(await logState(db)).toEqual(before);
      const next = "Brand-New-Horse-8!";
      expectOk(await clients.call("grpc", UserService, "setPassword", { userId: plain.userId, newPassword: { password: next }, verification: { case: "currentPassword", value: PASSWORD } }, token));
      expect(await login(clients, server.adminToken, { userId: plain.userId }, next)).toMatchObject({ ok: true });
    });
  });

  describe("primary domains are unique", () => {
    it("an organization whose generated domain is taken is refused with AlreadyExists, and the domain frees on removal", async () => {
      const suffix = unique("acme");
      const first = expectOk(await clients.call("connect-json", OrgV2, "addOrganization", { name: `ACME Corp ${suffix}` }, server.adminToken));
      const before = await logState(db);
      const clash = await callAny(clients, "rest", OrgV2, "addOrganization", { name: `acme-corp-${suffix}` }, server.adminToken);
      expect(clash).toMatchObject({ ok: false, code: Code.AlreadyExists, reason: "ORG-domain-taken" });
      expect(await logState(db)).toEqual(before);
      expectOk(await clients.call("grpc", ManagementService, "removeOrg", {}, server.adminToken, { "x-zitadel-orgid": first.organizationId }));
      expect(await clients.call("grpc", OrgV2, "addOrganization", { name: `acme-corp-${suffix}` }, server.adminToken)).toMatchObject({ ok: true });
    });
  });
});

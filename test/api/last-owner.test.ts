import { Code } from "@connectrpc/connect";
import { beforeAll, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService as OrganizationServiceV2beta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { LAST_OWNER } from "../../src/commands/instance-owners.js";
import { recoverInstanceOwner } from "../../src/commands/instance.js";
import { addInstanceOwner, INSTANCE_ID, instanceAggregate } from "../../src/domain/instance/instance.js";
import { EventStore } from "../../src/eventstore/event-store.js";
import { createIdGenerator } from "../../src/ids.js";
import { projections } from "../../src/projections/registry.js";
import { expectOk, rpcProtocols } from "../harness/clients.js";
import { newMachine, newOrg, unique } from "../harness/fixtures.js";
import { type AnyProtocol, callAny } from "../harness/rest-call.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { scim } from "../scim/helpers.js";
import { addApiKey, deactivatePath, userState, v1 } from "../v1-surface/helpers.js";

const protocols: AnyProtocol[] = [...rpcProtocols, "rest"];
const lastOwner = { ok: false, code: Code.FailedPrecondition, reason: LAST_OWNER };

describeOnDatabases("the last instance owner on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;
  let store: EventStore;
  let adminId: string;
  let adminOrg: string;

  const db = () => server.app.database.db;
  const orgState = async (orgId: string) => (await db().selectFrom("orgs_v1").select("state").where("id", "=", orgId).executeTakeFirstOrThrow()).state;
  /** Grants IAM_OWNER the only way there is besides first start and admin:recover: an event of the system. */
  const makeOwner = (userId: string) =>
    store.run({ creator: "system:test" }, async (session) => {
      const instance = await session.load(instanceAggregate, INSTANCE_ID);
      session.append(instance, addInstanceOwner(instance.state, userId));
    });
  const recover = () => recoverInstanceOwner({ store, newId: createIdGenerator(), now: () => new Date() });

  beforeAll(async () => {
    store = new EventStore(db(), projections, () => new Date());
    const admin = await db().selectFrom("instance_members_v1").innerJoin("users_v1", "users_v1.id", "instance_members_v1.user_id").select(["users_v1.id", "users_v1.resource_owner"]).executeTakeFirstOrThrow();
    adminId = admin.id;
    adminOrg = admin.resource_owner;
  });

  it.each(protocols)("refuses the only owner deactivating, locking or deleting itself over %s, and its token keeps working", async (protocol) => {
    for (const method of ["deactivateUser", "lockUser", "deleteUser"]) {
      expect(await callAny(clients, protocol, UserService, method, { userId: adminId }, server.adminToken), method).toMatchObject(lastOwner);
    }
    const v1Headers = { "x-zitadel-orgid": adminOrg };
    for (const method of ["deactivateUser", "lockUser", "removeUser"]) {
      expect(await callAny(clients, protocol, ManagementService, method, { id: adminId }, server.adminToken, v1Headers), method).toMatchObject(lastOwner);
    }
    expect(await userState(db(), adminId)).toBe("active");
    expectOk(await clients.call("grpc", UserService, "getUserByID", { userId: adminId }, server.adminToken));
  });

  it.each(protocols)("refuses deactivating or removing the organization that holds the only owner over %s", async (protocol) => {
    const me = { "x-zitadel-orgid": adminOrg };
    expect(await callAny(clients, protocol, ManagementService, "deactivateOrg", {}, server.adminToken, me)).toMatchObject(lastOwner);
    expect(await callAny(clients, protocol, ManagementService, "removeOrg", {}, server.adminToken, me)).toMatchObject(lastOwner);
    expect(await callAny(clients, protocol, OrganizationServiceV2beta, "deactivateOrganization", { id: adminOrg }, server.adminToken)).toMatchObject(lastOwner);
    expect(await orgState(adminOrg)).toBe("active");
  });

  it("says why, in the protocol's own format", async () => {
    const res = await callAny(clients, "rest", UserService, "deactivateUser", { userId: adminId }, server.adminToken);
    expect(res).toMatchObject({ ok: false, code: Code.FailedPrecondition });
    expect(res?.ok === false && res.text).toMatch(/without an active instance owner.*\(INSTANCE-last-owner\)/);
  });

  it("lets an owner go while another can sign in, and refuses the one who is left", async () => {
    const second = await recover();
    expectOk(await clients.call("connect-json", UserService, "deactivateUser", { userId: adminId }, second.token));
    expect(await clients.call("connect-json", UserService, "getUserByID", { userId: adminId }, server.adminToken)).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(await clients.call("connect-json", UserService, "lockUser", { userId: second.userId }, second.token)).toMatchObject(lastOwner);
    expectOk(await clients.call("connect-json", UserService, "reactivateUser", { userId: adminId }, second.token));
    // Deactivating the organization they share would take both; an organization without owners goes freely.
    expect(await clients.call("grpc", ManagementService, "deactivateOrg", {}, second.token, { "x-zitadel-orgid": adminOrg })).toMatchObject(lastOwner);
    const other = await newOrg(clients, server.adminToken);
    expectOk(await clients.call("grpc", ManagementService, "deactivateOrg", {}, server.adminToken, { "x-zitadel-orgid": other }));
    // Leave the admin as the only owner who can sign in, for the tests after this one.
    expectOk(await clients.call("connect-json", UserService, "deleteUser", { userId: second.userId }, server.adminToken));
  });

  it("holds on SCIM and the /v1 surface too, for a human owner who signs in with a password", async () => {
    const name = unique("owner");
    const created = await scim(server.url, server.adminToken, "POST", `/scim/v2/${adminOrg}/Users`, {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: name,
      name: { givenName: "Ada", familyName: "Owner" },
      emails: [{ value: `${name}@example.com`, primary: true }],
      password: "Correct-Horse-1",
    });
    expect(created.status).toBe(201);
    const humanId: string = created.body.id;
    await makeOwner(humanId);
    // An organization owner (not an instance owner) acts, so that the machine admin can be set aside.
    const orgOwner = await newMachine(clients, server.adminToken, adminOrg, ["ORG_OWNER"]);
    const key = await addApiKey(clients, server.adminToken); // issued by an instance owner, before it is set aside
    expectOk(await clients.call("connect-json", UserService, "deactivateUser", { userId: adminId }, orgOwner.token));
    try {
      const patch = await scim(server.url, orgOwner.token, "PATCH", `/scim/v2/${adminOrg}/Users/${humanId}`, {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", path: "active", value: false }],
      });
      expect(patch.status).toBe(400);
      expect(JSON.stringify(patch.body)).toContain(LAST_OWNER);
      expect((await scim(server.url, orgOwner.token, "DELETE", `/scim/v2/${adminOrg}/Users/${humanId}`)).status).toBe(400);

      const refused = await v1(server.url, "POST", deactivatePath(humanId), { apiKey: key.key, token: orgOwner.token });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain(LAST_OWNER);
      expect(await userState(db(), humanId)).toBe("active");
    } finally {
      expectOk(await clients.call("connect-json", UserService, "reactivateUser", { userId: adminId }, orgOwner.token));
      expectOk(await clients.call("connect-json", UserService, "deleteUser", { userId: humanId }, server.adminToken));
    }
  });

  it.runIf(t.kind === "postgres")("two owners deactivated at once: exactly one goes (PostgreSQL only: PGlite runs one transaction at a time)", async () => {
    const second = await recover();
    const orgOwner = await newMachine(clients, server.adminToken, adminOrg, ["ORG_OWNER"]);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        [adminId, second.userId].map((userId) => clients.call("grpc", UserService, "deactivateUser", { userId }, orgOwner.token)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining(lastOwner)]);
      const gone = results[0].ok ? adminId : second.userId;
      expectOk(await clients.call("grpc", UserService, "reactivateUser", { userId: gone }, orgOwner.token));
    }
  });
});

import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { rebuildProjections } from "../../src/projections/rebuild.js";
import { projections } from "../../src/projections/registry.js";
import { newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { entraUser, random, scim } from "./helpers.js";

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

describeOnDatabases("SCIM's user.scim.attributes.set in users_v1 on %s", (t) => {
  const { server, clients } = t;

  beforeAll(async () => {
    const orgId = t.orgId;
    const idp = await newMachine(clients, server.adminToken, orgId, ["ORG_USER_MANAGER"]);
    clients.close();
    const call = (method: string, path: string, body?: unknown) => scim(server.url, idp.token, method, `/scim/v2/${orgId}${path}`, body);
    for (let i = 0; i < 4; i++) {
      const userName = `${random("r")}@example.com`;
      const { body: user } = await call("POST", "/Users", { ...entraUser(userName, random("ext")), active: i !== 3 });
      await call("PATCH", `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "replace", path: 'emails[type eq "work"].value', value: `moved-${userName}` },
          { op: "add", path: "phoneNumbers", value: [{ value: "+41 44 000 00 00", type: "work" }] },
          { op: "remove", path: i % 2 ? "externalId" : "displayName" },
        ],
      });
      if (i === 2) await call("PUT", `/Users/${user.id}`, { userName, name: { givenName: "Put", familyName: "Only" }, emails: [{ value: userName }] });
    }
  });

  it("a rebuild from the log yields the rows the inline projection wrote", async () => {
    const db = server.app.database.db;
    const read = async () => (await sql<Record<string, unknown>>`select * from users_v1 order by id`.execute(db)).rows;
    const before = await read();
    expect(before.filter((r) => r.external_id !== null).length).toBeGreaterThan(0);
    // The PUT left phoneNumbers out, so that user has none.
    expect(before.filter((r) => r.phone !== null).length).toBe(3);
    await sql`update users_v1 set external_id = 'tampered', email = 'tampered'`.execute(db);
    await rebuildProjections(db, projections);
    expect(await read()).toEqual(before);
  });
});

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { SessionService } from "../../gen/zitadel/session/v2/session_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { rebuildProjections } from "../../src/projections/rebuild.js";
import { projections } from "../../src/projections/registry.js";
import { expectOk } from "../harness/clients.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { login, newHumanWithPassword, WRONG } from "../login/helpers.js";

const run = promisify(execFile);

describeOnDatabases("projection rebuild on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;

  async function snapshot() {
    const db = server.app.database.db;
    const tables: Record<string, unknown[]> = {};
    for (const table of new Set(projections.map((p) => p.table))) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      tables[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return tables;
  }

  beforeAll(async () => {
    // A history with every kind of event: orgs in each state, users in each state, a deletion, members, tokens.
    const admin = server.adminToken;
    const orgA = await newOrg(clients, admin);
    const orgB = await newOrg(clients, admin);
    expectOk(await clients.call("connect-json", ManagementService, "deactivateOrg", {}, admin, { "x-zitadel-orgid": orgB }));
    await newMachine(clients, admin, orgA, ["ORG_OWNER"]);
    for (let i = 0; i < 12; i++) {
      const userId = await newHuman(clients, admin, i % 2 ? orgA : orgB, i % 4 !== 0);
      const step = (method: "lockUser" | "unlockUser" | "deactivateUser" | "deleteUser") =>
        clients.call("connect-json", UserService, method, { userId }, admin);
      if (i % 4 === 1) expectOk(await step("lockUser"));
      if (i % 4 === 2) expectOk(await step("deactivateUser"));
      if (i % 6 === 5) expectOk(await step("deleteUser"));
    }
  });

  it("yields rows identical to the inline projections", async () => {
    const before = await snapshot();
    expect(before.users_v1.length).toBeGreaterThan(10);
    expect(before.orgs_v1.length).toBe(3);
    await sql`update users_v1 set state = 'tampered'`.execute(server.app.database.db);
    await sql`delete from orgs_v1`.execute(server.app.database.db);

    const { events, streams } = await rebuildProjections(server.app.database.db, projections);
    expect(events).toBeGreaterThan(30);
    expect(streams).toBe(before.users_v1.length + 2 /* deleted */ + 3 /* orgs */ + 1 /* instance */);
    expect(await snapshot()).toEqual(before);
  });

  it("yields the same rows after long histories appended inline from the new events only", async () => {
    const admin = server.adminToken;
    const orgId = await newOrg(clients, admin);
    const { userId } = await newHumanWithPassword(clients, admin, orgId);
    for (let i = 0; i < 3; i++) expect((await login(clients, admin, { userId }, WRONG)).ok).toBe(false);
    const session = expectOk(await login(clients, admin, { userId }));
    const kept = await newMachine(clients, admin, orgId, ["ORG_OWNER"]);
    expectOk(await clients.call("connect-json", UserService, "addPersonalAccessToken", { userId: kept.userId }, admin));
    for (let i = 0; i < 60; i++) {
      expectOk(await clients.call("grpc", UserService, i % 2 ? "unlockUser" : "lockUser", { userId }, admin));
    }
    expectOk(await clients.call("connect-json", SessionService, "deleteSession", { sessionId: session.sessionId }, admin));
    expectOk(await clients.call("connect-json", UserService, "deactivateUser", { userId }, admin));
    expectOk(await clients.call("connect-json", ManagementService, "deactivateOrg", {}, admin, { "x-zitadel-orgid": orgId }));
    const removed = await newMachine(clients, admin, orgId);
    expectOk(await clients.call("connect-json", UserService, "deleteUser", { userId: removed.userId }, admin));

    const before = await snapshot();
    expect(before.users_v1.some((row) => /"sequence":\d\d,/.test(String(row)))).toBe(true);
    await rebuildProjections(server.app.database.db, projections);
    expect(await snapshot()).toEqual(before);
  });

  it.runIf(t.kind === "postgres")("runs as `npm run projections:rebuild` against DATABASE_URL", async () => {
    const before = await snapshot();
    await sql`truncate users_v1`.execute(server.app.database.db);
    const { stdout } = await run("npx", ["tsx", "src/cli/rebuild-projections.ts"], { env: { ...process.env, DATABASE_URL: server.databaseUrl } });
    expect(stdout).toMatch(new RegExp(`rebuilt ${projections.length} read models from \\d+ events`));
    expect(await snapshot()).toEqual(before);
  });
});

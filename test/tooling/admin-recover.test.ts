import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { deactivateOrg } from "../../src/domain/org/decide.js";
import { orgAggregate } from "../../src/domain/org/state.js";
import { EventStore } from "../../src/eventstore/event-store.js";
import { projections } from "../../src/projections/registry.js";
import { Clients, expectOk } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { startTestServer, type TestServer } from "../harness/server.js";

const root = new URL("../../", import.meta.url).pathname;
const execFileAsync = promisify(execFile);

/** `npm run admin:recover` as an operator runs it; never throws. */
async function adminRecover(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ["--import", "tsx", "src/cli/admin-recover.ts"], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) };
  }
}

/**
 * The lock-out a database from before the last-owner rule could be in: the organization holding the only
 * owner deactivated. Appended past the use cases (which refuse it now), as such a history was written.
 */
async function lockOut(server: TestServer): Promise<string> {
  const db = server.app.database.db;
  const admin = await db.selectFrom("instance_members_v1").innerJoin("users_v1", "users_v1.id", "instance_members_v1.user_id").select("users_v1.resource_owner").executeTakeFirstOrThrow();
  const store = new EventStore(db, projections, () => new Date());
  await store.run({ creator: "system:test" }, async (session) => {
    const org = await session.load(orgAggregate, admin.resource_owner);
    session.append(org, deactivateOrg(org.state));
  });
  return admin.resource_owner;
}

/** What an operator checks after recovering: the printed token works, the organization is back, history says who. */
async function expectRecovered(server: TestServer, result: { code: number; stdout: string; stderr: string }, orgId: string) {
  expect(result).toMatchObject({ code: 0 });
  const lines = result.stdout.trim().split("\n");
  const token = lines[lines.length - 1];
  expect(token).toMatch(/^\S{20,}$/);
  expect(lines.slice(0, -1).join("\n")).not.toContain(token);
  expect(result.stderr).not.toContain(token);
  expect(result.stdout).toContain(`reactivated organization ${orgId}`);

  const clients = new Clients(server.url);
  try {
    const recoveredId = /created instance owner (\d+)/.exec(result.stdout)?.[1] as string;
    expect(expectOk(await clients.call("grpc", UserService, "getUserByID", { userId: recoveredId }, token)).user?.userId).toBe(recoveredId);
    // The old admin's token works again too: its organization is active.
    expectOk(await clients.call("grpc", UserService, "getUserByID", { userId: recoveredId }, server.adminToken));
  } finally {
    clients.close();
  }
  const db = server.app.database.db;
  expect((await db.selectFrom("orgs_v1").select("state").where("id", "=", orgId).executeTakeFirstOrThrow()).state).toBe("active");
  const creators = await db.selectFrom("events").select(["creator", "type"]).where("creator", "=", "system:admin-recover").execute();
  expect(creators.map((e) => e.type)).toEqual(expect.arrayContaining(["org.reactivated", "user.machine.added", "user.pat.added", "instance.member.added"]));
}

describe("npm run admin:recover", () => {
  let server: TestServer | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it.runIf(databaseKinds.includes("postgres"))("on PostgreSQL, while the server runs: a new owner whose token is the last line", async () => {
    server = await startTestServer("postgres");
    const orgId = await lockOut(server);
    const clients = new Clients(server.url);
    expect(await clients.call("grpc", UserService, "getUserByID", { userId: "1" }, server.adminToken)).toMatchObject({ ok: false, code: Code.Unauthenticated });
    clients.close();
    await expectRecovered(server, await adminRecover({ DATABASE_URL: server.databaseUrl as string }), orgId);
  });

  it("on PGlite: refuses while the server holds the directory, and says to stop it; works once it is stopped", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "recover-"));
    const config = { dataDir, adminToken: "first-admin-token-for-recover-test" };
    server = await startTestServer("pglite", {}, config);
    const orgId = await lockOut(server);
    const env = { DATABASE_URL: "", DATA_DIR: dataDir };

    const refused = await adminRecover(env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("stop the server first");
    expect(refused.stdout).toBe("");

    await server.stop();
    server = undefined;
    const result = await adminRecover(env);
    server = await startTestServer("pglite", {}, config);
    await expectRecovered(server, result, orgId);
  });
});

import { execFile } from "node:child_process";
import { Code } from "@connectrpc/connect";
import { beforeAll, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/lifecycle/apikey/v1/api_key_service_pb.js";
import { hashToken } from "../../src/credentials/tokens.js";
import { expectOk, rest } from "../harness/clients.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { deactivatePath, v1 } from "./helpers.js";

const root = new URL("../../", import.meta.url).pathname;

/** `npm run api-key -- …` as an operator runs it, against the database given by the environment. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npm", ["run", "--silent", "api-key", "--", ...args], { cwd: root, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describeOnDatabases("API keys on %s", { persistent: true }, (t) => {
  const { server, clients } = t;
  let admin: { userId: string; token: string };
  const env = () => ({ DATABASE_URL: t.database.databaseUrl ?? "", DATA_DIR: t.database.dataDir ?? "", LOG_LEVEL: "silent" });
  /** The status a key gets for deactivating a fresh user of `org` as the org's admin. */
  const statusWith = async (key: string, org = t.orgId, token = admin.token) =>
    (await v1(server.url, "POST", deactivatePath(await newHuman(clients, server.adminToken, org)), { apiKey: key, token })).status;

  beforeAll(async () => {
    admin = await newMachine(clients, server.adminToken, t.orgId, ["ADMIN"]);
  });

  it("AddApiKey / RevokeApiKey over RPC and REST: only the hash is stored, a revoked key gets 401", async () => {
    const added = expectOk(await clients.call("grpc", ApiKeyService, "addApiKey", { name: "billing" }, server.adminToken));
    expect(added.keyId).toMatch(/^\d+$/);
    expect(await statusWith(added.key)).toBe(204);
    const events = await server.app.database.db.selectFrom("events").select(["type", "payload"]).where("aggregate_id", "=", added.keyId).execute();
    expect(events).toEqual([{ type: "api_key.added", payload: { name: "billing", keyHash: hashToken(added.key) } }]);
    expect(JSON.stringify(events)).not.toContain(added.key);

    const viaRest = await rest(server.url, "POST", "/v1/api-keys", { token: server.adminToken, body: { name: "crm" } });
    expect(viaRest).toMatchObject({ status: 200, body: { keyId: expect.any(String), key: expect.any(String) } });
    expect(await statusWith(viaRest.body.key)).toBe(204);
    expect(await rest(server.url, "DELETE", `/v1/api-keys/${viaRest.body.keyId}`, { token: server.adminToken })).toMatchObject({ status: 200, body: {} });
    expect(await statusWith(viaRest.body.key)).toBe(401);
    expect(await statusWith(added.key)).toBe(204);

    expectOk(await clients.call("connect-json", ApiKeyService, "revokeApiKey", { keyId: added.keyId }, server.adminToken));
    expect(await statusWith(added.key)).toBe(401);
    const rows = await server.app.database.db.selectFrom("api_keys_v1").select(["id", "state"]).where("id", "in", [added.keyId, viaRest.body.keyId]).orderBy("id").execute();
    expect(rows.map((r) => r.state)).toEqual(["revoked", "revoked"]);
  });

  it("refuses what the rules refuse: repeats, unknown keys, empty names, callers without iam.write", async () => {
    const { keyId } = expectOk(await clients.call("connect-json", ApiKeyService, "addApiKey", { name: "once" }, server.adminToken));
    expectOk(await clients.call("connect-json", ApiKeyService, "revokeApiKey", { keyId }, server.adminToken));
    const revoke = (id: string, token = server.adminToken) => clients.call("connect-json", ApiKeyService, "revokeApiKey", { keyId: id }, token);
    expect(await revoke(keyId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "APIKEY-already-revoked" });
    expect(await revoke("404404")).toMatchObject({ ok: false, code: Code.NotFound, reason: "APIKEY-not-found" });
    expect(await revoke("")).toMatchObject({ ok: false, code: Code.InvalidArgument });
    const add = (name: string, token?: string) => clients.call("connect-json", ApiKeyService, "addApiKey", { name }, token);
    expect(await add("  ", server.adminToken)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "APIKEY-name-missing" });
    expect(await add("x".repeat(201), server.adminToken)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "APIKEY-name-too-long" });
    const owner = await newMachine(clients, server.adminToken, t.orgId, ["ORG_OWNER"]);
    expect(await add("mine", owner.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    expect(await add("mine")).toMatchObject({ ok: false, code: Code.Unauthenticated });
  });

  // Each CLI run starts a process (and, on PGlite, opens the data directory): several seconds apiece.
  it("`npm run api-key -- add|revoke` runs the same commands on the configured database", { timeout: 180_000 }, async () => {
    const viaRpc = expectOk(await clients.call("connect-json", ApiKeyService, "addApiKey", { name: "old" }, server.adminToken));
    const otherOrg = await newOrg(clients, server.adminToken);
    // PGlite is one process per data directory: stop the server for the CLI. PostgreSQL keeps serving.
    if (t.kind === "pglite") await t.stopServer();

    const added = await cli(["add", "nightly-sync"], env());
    expect(added).toMatchObject({ code: 0 });
    const { key_id: keyId, key } = JSON.parse(added.stdout);
    expect(keyId).toMatch(/^\d+$/);
    const bound = JSON.parse((await cli(["add", "org-tool", "--org", t.orgId], env())).stdout);
    expect(await cli(["revoke", viaRpc.keyId], env())).toMatchObject({ code: 0 });
    const again = await cli(["revoke", viaRpc.keyId], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("APIKEY-already-revoked");
    const unknownOrg = await cli(["add", "x", "--org", "404404"], env());
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain("ORG-not-found");
    expect((await cli([], env())).code).toBe(2);

    if (t.kind === "pglite") await t.startServer();
    expect(await statusWith(key)).toBe(204);
    expect(await statusWith(viaRpc.key)).toBe(401);
    // A key bound to an organization acts only on that organization's users.
    expect(await statusWith(bound.key)).toBe(204);
    const otherAdmin = await newMachine(clients, server.adminToken, otherOrg, ["ADMIN"]);
    expect(await statusWith(bound.key, otherOrg, otherAdmin.token)).toBe(403);
    expect(await statusWith(key, otherOrg, otherAdmin.token)).toBe(204);

    expectOk(await clients.call("connect-json", ApiKeyService, "revokeApiKey", { keyId }, server.adminToken));
    expect(await statusWith(key)).toBe(401);
  });
});

import http2 from "node:http2";
import net from "node:net";
import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { fingerprint, IdempotencyStore } from "../../src/v1-surface/idempotency.js";
import { V1_ROUTES } from "../../src/v1-surface/routes.js";
import { Clients, expectOk } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg, unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { startTestServer } from "../harness/server.js";
import { activatePath, addApiKey, ageRecord, capturingLogger, countEvents, deactivatePath, userState, v1, type V1Options } from "./helpers.js";
import { type Observed, openApi, responseProblems } from "./openapi-check.js";

/** Every response of this file, to check the OpenAPI document against at the end. */
const observed: Observed[] = [];
const operations = [
  ["deactivate", deactivatePath],
  ["activate", activatePath],
] as const;

const log = capturingLogger();

describeOnDatabases("/v1/users surface on %s", { overrides: { log }, config: { v1RateLimitPerMinute: 100 } }, (t) => {
  const { server, clients } = t;
  let admin: { userId: string; token: string };
  let apiKey: string;
  let apiKeyId: string;

  const call = async (method: string, path: string, options: V1Options = {}) => {
    const result = await v1(server.url, method, path, options);
    observed.push({ method, path, status: result.status, body: result.body, headers: result.headers });
    return result;
  };
  const as = (token: string, extra: V1Options = {}) => ({ apiKey, token, ...extra });
  const db = () => server.app.database.db;
  const activeUser = () => newHuman(clients, server.adminToken, t.orgId);
  const inactiveUser = async () => {
    const userId = await activeUser();
    expectOk(await clients.call("connect-json", UserService, "deactivateUser", { userId }, server.adminToken));
    return userId;
  };

  beforeAll(async () => {
    admin = await newMachine(clients, server.adminToken, t.orgId, ["ADMIN"]);
    ({ key: apiKey, keyId: apiKeyId } = await addApiKey(clients, server.adminToken));
  });

  it("204: deactivates and re-activates through the domain commands, with no body", async () => {
    const userId = await activeUser();
    const deactivated = await call("POST", deactivatePath(userId), as(admin.token));
    expect(deactivated).toMatchObject({ status: 204, text: "" });
    expect(await userState(db(), userId)).toBe("inactive");
    const activated = await call("POST", activatePath(userId), as(admin.token, { body: "{}" }));
    expect(activated).toMatchObject({ status: 204, text: "" });
    expect(await userState(db(), userId)).toBe("active");
    const events = await db().selectFrom("events").select(["type", "creator"]).where("aggregate_id", "=", userId).orderBy("sequence").execute();
    expect(events.slice(1)).toEqual([
      { type: "user.deactivated", creator: admin.userId },
      { type: "user.reactivated", creator: admin.userId },
    ]);
  });

  it("204 over HTTP/2 on the same port", async () => {
    const userId = await activeUser();
    const session = http2.connect(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = session.request({ ":method": "POST", ":path": deactivatePath(userId), "x-api-key": apiKey, authorization: `Bearer ${admin.token}` });
      req.on("response", (headers) => resolve(Number(headers[":status"])));
      req.on("error", reject);
      req.end();
    });
    session.close();
    expect(status).toBe(204);
    expect(await userState(db(), userId)).toBe("inactive");
  });

  it("422: state conflicts carry the domain's reason id", async () => {
    const inactive = await inactiveUser();
    expect(await call("POST", deactivatePath(inactive), as(admin.token))).toMatchObject({
      status: 422,
      body: { code: "USER-already-inactive", message: "User is already inactive" },
    });
    const active = await activeUser();
    expect(await call("POST", activatePath(active), as(admin.token))).toMatchObject({ status: 422, body: { code: "USER-not-inactive" } });
    const initial = await newHuman(clients, server.adminToken, t.orgId, false);
    expect(await call("POST", deactivatePath(initial), as(admin.token))).toMatchObject({ status: 422, body: { code: "USER-initial" } });
    expect(await countEvents(db(), inactive, "user.deactivated")).toBe(1);
    expect(await userState(db(), initial)).toBe("initial");
  });

  it.each(operations)("404 on %s: unknown or deleted user, and a route that does not exist", async (_name, path) => {
    expect(await call("POST", path("123456789"), as(admin.token))).toMatchObject({
      status: 404,
      body: { code: "USER-not-found", message: "User could not be found" },
    });
    const deleted = await activeUser();
    expectOk(await clients.call("connect-json", UserService, "deleteUser", { userId: deleted }, server.adminToken));
    expect(await call("POST", path(deleted), as(admin.token))).toMatchObject({ status: 404, body: { code: "USER-not-found" } });
    // A 200-character id is still valid: the boundary is 404, not 400.
    expect((await call("POST", path("9".repeat(200)), as(admin.token))).status).toBe(404);
    expect(await call("POST", `${path("1")}/extra`, as(admin.token))).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    const wrongVerb = await call("GET", path("1"), as(admin.token));
    expect(wrongVerb).toMatchObject({ status: 405, body: { code: "METHOD_NOT_ALLOWED" } });
    expect(wrongVerb.headers.get("allow")).toBe("POST");
  });

  it.each(operations)("400 on %s: empty, oversized and malformed user ids and refs, all fields listed", async (_name, path) => {
    const fieldsOf = async (userId: string, ref?: string) => {
      const res = await call("POST", path(userId), as(admin.token, { ref }));
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.any(String));
      return res.body.syntaxErrors.invalidFields;
    };
    expect(await fieldsOf("")).toEqual([{ fieldName: "user_id", error: "HAS_TEXT", params: [] }]);
    expect(await fieldsOf("%20")).toEqual([{ fieldName: "user_id", error: "HAS_TEXT", params: [] }]);
    expect(await fieldsOf("1".repeat(201))).toEqual([{ fieldName: "user_id", error: "SIZE", params: ["1", "200"] }]);
    expect(await fieldsOf("a.b")).toEqual([{ fieldName: "user_id", error: "REGEX", params: ["^[A-Za-z0-9_-]+$"] }]);
    expect(await fieldsOf("..%2Fadmin")).toEqual([{ fieldName: "user_id", error: "REGEX", params: ["^[A-Za-z0-9_-]+$"] }]);
    expect(await fieldsOf("%E0%A4%A")).toEqual([{ fieldName: "user_id", error: "REGEX", params: ["^[A-Za-z0-9_-]+$"] }]);
    expect(await fieldsOf("123", "r".repeat(256))).toEqual([{ fieldName: "idempotency-ref", error: "SIZE", params: ["1", "255"] }]);
    expect(await fieldsOf("123", "   ")).toEqual([{ fieldName: "idempotency-ref", error: "HAS_TEXT", params: [] }]);
    expect(await fieldsOf("", "")).toEqual([
      { fieldName: "user_id", error: "HAS_TEXT", params: [] },
      { fieldName: "idempotency-ref", error: "HAS_TEXT", params: [] },
    ]);
    expect(await db().selectFrom("idempotency_records").select("ref").where("ref", "=", "   ").execute()).toEqual([]);
  });

  it.each(operations)("401 on %s: missing or invalid API key or auth token, and nothing changes", async (_name, path) => {
    const userId = await (path === deactivatePath ? activeUser() : inactiveUser());
    const before = await userState(db(), userId);
    const attempts: V1Options[] = [
      { token: admin.token },
      { apiKey: "not-a-key", token: admin.token },
      { apiKey },
      { apiKey, token: "not-a-token" },
      { apiKey, headers: { authorization: `Basic ${admin.token}` } },
    ];
    for (const options of attempts) {
      const res = await call("POST", path(userId), options);
      expect(res).toMatchObject({ status: 401, body: { code: "UNAUTHENTICATED" } });
    }
    expect(await userState(db(), userId)).toBe(before);
  });

  it.each(operations)("403 on %s: the acting user needs an admin role over the user's organization", async (_name, path) => {
    const otherOrg = await newOrg(clients, server.adminToken);
    const noRole = await newMachine(clients, server.adminToken, t.orgId);
    // Admins of another organization cannot see this one's users at all: they get what an unknown user gets.
    const strangers = [await newMachine(clients, server.adminToken, otherOrg, ["ADMIN"]), await newMachine(clients, server.adminToken, otherOrg, ["ORG_OWNER"])];
    const prepare = () => (path === deactivatePath ? activeUser() : inactiveUser());
    const target = await prepare();
    expect(await call("POST", path(target), as(noRole.token))).toMatchObject({ status: 403, body: { errorCode: "INSUFFICIENT_PERMISSIONS" } });
    const unknown = await call("POST", path("404404404"), as(strangers[0].token));
    expect(unknown).toMatchObject({ status: 404, body: { code: "USER-not-found" } });
    for (const actor of strangers) {
      const refused = await call("POST", path(target), as(actor.token));
      expect(refused).toMatchObject({ status: 404 });
      expect(refused.body).toEqual(unknown.body);
    }
    expect(await userState(db(), target)).toBe(path === deactivatePath ? "active" : "inactive");
    const owner = await newMachine(clients, server.adminToken, t.orgId, ["ORG_OWNER"]);
    for (const token of [admin.token, owner.token, server.adminToken]) {
      expect((await call("POST", path(await prepare()), as(token))).status).toBe(204);
    }
  });

  it("a deactivated admin cannot re-activate themselves; another admin can", async () => {
    const first = await newMachine(clients, server.adminToken, t.orgId, ["ADMIN"]);
    expect((await call("POST", deactivatePath(first.userId), as(first.token))).status).toBe(204);
    expect(await call("POST", activatePath(first.userId), as(first.token))).toMatchObject({ status: 401 });
    expect(await userState(db(), first.userId)).toBe("inactive");
    expect((await call("POST", activatePath(first.userId), as(admin.token))).status).toBe(204);
    expect((await call("POST", deactivatePath(await activeUser()), as(first.token))).status).toBe(204);
  });

  it("replays a completed request by ref, scoped to the API key; another payload → 422", async () => {
    const userId = await activeUser();
    const ref = unique("ref");
    expect((await call("POST", deactivatePath(userId), as(admin.token, { ref }))).status).toBe(204);
    expect((await call("POST", activatePath(userId), as(admin.token))).status).toBe(204);
    const replay = await call("POST", deactivatePath(userId), as(admin.token, { ref }));
    expect(replay).toMatchObject({ status: 204, text: "" });
    expect(replay.headers.get("idempotency-replayed")).toBe("true");
    expect(await userState(db(), userId)).toBe("active");
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(1);

    for (const [path, body] of [[activatePath(userId), undefined], [deactivatePath(await activeUser()), undefined], [deactivatePath(userId), '{"x":1}']] as const) {
      expect(await call("POST", path, as(admin.token, { ref, body }))).toMatchObject({ status: 422, body: { code: "IDEMPOTENCY-ref-reused" } });
    }
    // The same ref under another API key is another request.
    const otherKey = (await addApiKey(clients, server.adminToken)).key;
    expect((await call("POST", deactivatePath(userId), { apiKey: otherKey, token: admin.token, ref })).status).toBe(204);
    expect(await countEvents(db(), userId, "user.deactivated")).toBe(2);
  });

  it("replays a refusal too: the stored 422 comes back even after the state changed", async () => {
    const userId = await inactiveUser();
    const ref = unique("ref");
    const first = await call("POST", deactivatePath(userId), as(admin.token, { ref }));
    expect(first).toMatchObject({ status: 422, body: { code: "USER-already-inactive" } });
    expect((await call("POST", activatePath(userId), as(admin.token))).status).toBe(204);
    const replay = await call("POST", deactivatePath(userId), as(admin.token, { ref }));
    expect(replay).toMatchObject({ status: 422, text: first.text });
    expect(await userState(db(), userId)).toBe("active");
  });

  it.each(operations)("409 on %s while a request with the ref is in progress; an abandoned claim is taken over", async (_name, path) => {
    const userId = await (path === deactivatePath ? activeUser() : inactiveUser());
    const ref = unique("ref");
    // A request running elsewhere (or one that crashed) has done its first step, the claim, and no more.
    const claim = await new IdempotencyStore(db()).claim(apiKeyId, ref, fingerprint("POST", path(userId), Buffer.alloc(0)));
    expect(claim.kind).toBe("claimed");
    const busy = await call("POST", path(userId), as(admin.token, { ref }));
    expect(busy).toMatchObject({ status: 409, body: { errorCode: "IDEMPOTENT_REQUEST_IN_PROGRESS" } });
    const event = path === deactivatePath ? "user.deactivated" : "user.reactivated";
    expect(await countEvents(db(), userId, event)).toBe(0);
    // After 30 s the claim counts as abandoned: the retry takes it over and runs the command, once.
    await ageRecord(db(), ref, 31);
    expect((await call("POST", path(userId), as(admin.token, { ref }))).status).toBe(204);
    expect((await call("POST", path(userId), as(admin.token, { ref }))).headers.get("idempotency-replayed")).toBe("true");
    expect(await countEvents(db(), userId, event)).toBe(1);
  });

  it.each(operations)("413 on %s: a body over 16 KiB is refused before anything runs", async (_name, path) => {
    const userId = await (path === deactivatePath ? activeUser() : inactiveUser());
    const before = await userState(db(), userId);
    const res = await call("POST", path(userId), as(admin.token, { ref: unique("ref"), body: JSON.stringify({ pad: "x".repeat(17 * 1024) }) }));
    expect(res).toMatchObject({ status: 413, body: { code: "PAYLOAD_TOO_LARGE" } });
    expect(await userState(db(), userId)).toBe(before);
  });

  it("429 with Retry-After once an API key spends its per-minute budget; other keys are unaffected", async () => {
    const busyKey = (await addApiKey(clients, server.adminToken)).key;
    let sent = 0;
    const started = Date.now();
    let res = await v1(server.url, "POST", deactivatePath("1"), { apiKey: busyKey });
    while (res.status !== 429 && sent < 200) {
      sent++;
      res = await v1(server.url, "POST", deactivatePath("1"), { apiKey: busyKey });
    }
    // The burst of 100, plus what refilled (100 per minute) while a slow machine sent it.
    const refilled = Math.ceil(((Date.now() - started) / 60_000) * 100);
    expect(sent).toBeGreaterThanOrEqual(100);
    expect(sent).toBeLessThanOrEqual(100 + refilled + 1);
    for (const [, path] of operations) {
      // A token refills every 0.6 s: on a slow machine one may have come back since the burst; it is spent first.
      let limited = await call("POST", path("1"), { apiKey: busyKey, token: admin.token });
      for (let tries = 0; limited.status !== 429 && tries < 5; tries++) limited = await call("POST", path("1"), { apiKey: busyKey, token: admin.token });
      expect(limited).toMatchObject({ status: 429, body: { code: "RATE_LIMITED" } });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect((await call("POST", deactivatePath("1"), as(admin.token))).status).toBe(404);
  });

  it.each(operations)("500 on %s: an unexpected fault answers generically, the cause goes to the log only", async (_name, path) => {
    const userId = await (path === deactivatePath ? activeUser() : inactiveUser());
    const before = await userState(db(), userId);
    await sql`alter table idempotency_records rename to idempotency_records_away`.execute(db());
    try {
      const res = await call("POST", path(userId), as(admin.token, { ref: unique("ref") }));
      expect(res).toMatchObject({ status: 500, body: { code: "INTERNAL", message: "Internal error" } });
      expect(res.text).not.toContain("idempotency_records");
    } finally {
      await sql`alter table idempotency_records_away rename to idempotency_records`.execute(db());
    }
    const logged = log.lines.filter((line) => line.level === "error" && String(line.fields?.cause).includes("idempotency_records"));
    expect(logged.length).toBeGreaterThan(0);
    expect(await userState(db(), userId)).toBe(before);
  });

  it.runIf(t.kind === "postgres").each(operations)("503 on %s when the database is unreachable", async (_name, path) => {
    const scratch = await createScratchDatabase();
    const proxy = await tcpProxy(new URL(scratch.url));
    const url = new URL(scratch.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const downLog = capturingLogger();
    const down = await startTestServer(t.kind, { log: downLog }, { databaseUrl: url.toString() });
    const downClients = new Clients(down.url);
    try {
      const key = (await addApiKey(downClients, down.adminToken)).key;
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const res = await v1(down.url, "POST", path("123"), { apiKey: key, token: down.adminToken });
      observed.push({ method: "POST", path: path("123"), status: res.status, body: res.body, headers: res.headers });
      expect(res).toMatchObject({ status: 503, body: { code: "DB-unavailable" } });
      expect(downLog.lines.some((line) => line.message === "database unavailable")).toBe(true);
    } finally {
      downClients.close();
      await down.stop();
      await scratch.drop();
    }
  });

  it("GET /v1/openapi.json serves the document kept in the repository", async () => {
    const res = await call("GET", "/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.text).toBe(readFileSync(new URL("../../openapi/v1-users.json", import.meta.url), "utf8"));
  });
});

describe("the OpenAPI document matches the implementation", () => {
  const documented = Object.entries(openApi.paths as Record<string, Record<string, any>>).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ template, method: method.toUpperCase(), operation })),
  );

  it("documents exactly the routes the surface serves", () => {
    const served = V1_ROUTES.map((r) => `${r.method} ${r.template}`).sort();
    expect(documented.map((d) => `${d.method} ${d.template}`).sort()).toEqual(served);
  });

  it("every response seen in these tests is documented, with the documented body and headers", () => {
    expect(observed.length).toBeGreaterThan(50);
    expect(observed.flatMap(responseProblems)).toEqual([]);
  });

  it("every documented status was produced by a real request", () => {
    // An embedded database cannot be unreachable: 503 is produced against PostgreSQL (CI sets DATABASE_URL).
    const unproducible = databaseKinds.includes("postgres") ? [] : ["503"];
    const seen = new Set(observed.map((o) => `${o.method} ${o.path.replace(/^\/v1\/users\/[^/]*\//, "/v1/users/{user_id}/")} ${o.status}`));
    const missing = documented.flatMap(({ template, method, operation }) =>
      Object.keys(operation.responses)
        .filter((status) => status !== "default" && !unproducible.includes(status))
        .map((status) => `${method} ${template} ${status}`)
        .filter((key) => !seen.has(key)),
    );
    expect(missing).toEqual([]);
  });
});

/** A TCP forwarder to PostgreSQL that can be cut, making the database unreachable for the server behind it. */
async function tcpProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.once("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

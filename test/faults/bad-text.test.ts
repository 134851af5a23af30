import { Code } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventService } from "../../gen/lifecycle/event/v1/event_service_pb.js";
import { Watcher } from "../events/watch-client.js";
import { Clients } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { entraUser, random } from "../scim/helpers.js";
import { addApiKey } from "../v1-surface/helpers.js";
import { countEvents, grpcFrame, rawGrpc } from "./bad-input-wire.js";

/**
 * Text PostgreSQL cannot store or the client never meant: NUL, lone UTF-16 surrogates and bytes that are
 * not UTF-8, in paths, queries, headers, JSON and protobuf strings. Every surface refuses each with its
 * own 400 or InvalidArgument; nothing is a 5xx and nothing is written.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

const isBad = (s: string) => s.includes("\u0000") || !s.isWellFormed();
/** A JS string holding NUL or a lone surrogate (JSON.stringify writes both as \u escapes). */
const badString = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "a\u0000b", "\ud83dx"), fc.string({ maxLength: 8 }))
  .map(([a, bad, b]) => a + bad + b)
  .filter(isBad);
/** Percent-escapes of NUL, of a surrogate's (CESU) bytes, and of bytes that are not UTF-8. */
const badEscape = fc.constantFrom("%00", "%ED%A0%80", "%ED%BF%BF", "%FF", "%C0%80", "%E2%82", "%F8%88%80%80%80", "%80");
const badSegment = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{0,6}$/), badEscape, fc.stringMatching(/^[a-z0-9]{0,6}$/))
  .map(([a, bad, b]) => a + bad + b);
/** Raw bytes that are not UTF-8, to go inside a JSON string. */
const badBytes = fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82], [0xf5, 0x80, 0x80, 0x80], [0xfe]).map((b) => Buffer.from(b));
const jsonWithBytes = (prefix: string, bytes: Buffer, suffix: string) => Buffer.concat([Buffer.from(prefix), bytes, Buffer.from(suffix)]);

const tried = new Map<string, { inputs: number; serverErrors: number }>();
function count(surface: string, status: number) {
  const figure = tried.get(surface) ?? { inputs: 0, serverErrors: 0 };
  figure.inputs++;
  if (status >= 500) figure.serverErrors++;
  tried.set(surface, figure);
}

describe.each(databaseKinds)("bad text on every surface (%s)", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let eventsBefore: number;
  let orgId: string;
  let scimToken: string;
  let scimUser: string;
  let apiKey: string;

  beforeAll(async () => {
    server = await startTestServer(kind);
    clients = new Clients(server.url);
    orgId = await newOrg(clients, server.adminToken);
    ({ token: scimToken } = await newMachine(clients, server.adminToken, orgId, ["ORG_USER_MANAGER"]));
    ({ key: apiKey } = await addApiKey(clients, server.adminToken));
    const created = await fetch(`${server.url}/scim/v2/${orgId}/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/scim+json" },
      body: JSON.stringify(entraUser(`${random("t")}@example.com`, "ext")),
    });
    scimUser = ((await created.json()) as { id: string }).id;
    eventsBefore = await countEvents(server);
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
    const figures = [...tried].map(([surface, f]) => `${surface} ${f.inputs} (${f.serverErrors} 5xx)`).join(", ");
    console.log(`[faults] bad text (${kind}): ${figures}`);
  });

  const scimRequest = async (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/scim/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${scimToken}`, ...(body === undefined ? {} : { "content-type": "application/scim+json" }), ...headers },
      body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)),
    });
    const text = await res.text();
    count("SCIM", res.status);
    return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it("SCIM: paths and queries", async () => {
    const where = fc.constantFrom(
      (bad: string) => ["GET", `${bad}/Users`],
      (bad: string) => ["GET", `${orgId}/Users/${bad}`],
      (bad: string) => ["GET", `${orgId}${bad}/Users`],
      (bad: string) => ["DELETE", `${orgId}/Users/${bad}`],
      (bad: string) => ["GET", `${orgId}/Users?filter=userName%20eq%20%22${bad}%22`],
      (bad: string) => ["GET", `${orgId}/Users?startIndex=1&${bad}=1`],
    );
    await fc.assert(
      fc.asyncProperty(where, badSegment, async (at, bad) => {
        const [method, path] = at(bad);
        const res = await scimRequest(method, path);
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
        expect(res.json?.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
      }),
      { numRuns: RUNS },
    );
  });

  it("SCIM: JSON strings in PATCH, PUT, POST, Bulk and If-Match", async () => {
    const request = fc.constantFrom(
      (bad: string) => ["PATCH", `${orgId}/Users/${scimUser}`, { Operations: [{ op: "replace", value: { nickName: bad } }] }],
      (bad: string) => ["PATCH", `${orgId}/Users/${scimUser}`, { Operations: [{ op: "replace", path: "externalId", value: bad }] }],
      (bad: string) => ["PUT", `${orgId}/Users/${scimUser}`, { ...entraUser("x@example.com", "e"), displayName: bad }],
      (bad: string) => ["POST", `${orgId}/Users`, entraUser(`${bad}@example.com`, "e")],
      (bad: string) => ["POST", `${orgId}/Bulk`, { Operations: [{ method: "DELETE", path: `/Users/${bad}` }] }],
    );
    await fc.assert(
      fc.asyncProperty(request, badString, async (make, bad) => {
        const [method, path, body] = make(bad) as [string, string, unknown];
        const res = await scimRequest(method, path, JSON.stringify(body));
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
      }),
      { numRuns: RUNS },
    );
    // Bulk: an operation's percent-encoded path is that operation's 400, not a 500.
    await fc.assert(
      fc.asyncProperty(badSegment, async (bad) => {
        const res = await scimRequest("POST", `${orgId}/Bulk`, JSON.stringify({ Operations: [{ method: "DELETE", path: `/Users/${bad}` }] }));
        expect(res.status, res.text).toBe(200);
        expect((res.json?.Operations as { status: string }[])[0].status, res.text).toBe("400");
      }),
      { numRuns: RUNS },
    );
  });

  it("SCIM: bodies that are not UTF-8", async () => {
    const request = fc.constantFrom(
      (bytes: Buffer) => ["PATCH", `${orgId}/Users/${scimUser}`, jsonWithBytes('{"Operations":[{"op":"replace","value":{"nickName":"a', bytes, 'b"}}]}')],
      (bytes: Buffer) => ["POST", `${orgId}/Users`, jsonWithBytes(JSON.stringify(entraUser("y@example.com", "e")).slice(0, -1) + ',"nickName":"', bytes, '"}')],
    );
    await fc.assert(
      fc.asyncProperty(request, badBytes, async (make, bytes) => {
        const [method, path, body] = make(bytes) as [string, string, Buffer];
        const res = await scimRequest(method, path, body);
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it("/v1: path, idempotency-ref header and body", async () => {
    const send = async (path: string, headers: Record<string, string>, body?: Buffer) => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "x-api-key": apiKey, authorization: `Bearer ${server.adminToken}`, ...(body ? { "content-type": "application/json" } : {}), ...headers },
        body: body ? new Uint8Array(body) : undefined,
      });
      count("/v1", res.status);
      return { status: res.status, text: await res.text() };
    };
    await fc.assert(
      fc.asyncProperty(badSegment, fc.constantFrom("deactivate", "activate"), async (bad, op) => {
        const res = await send(`/v1/users/${bad}/${op}`, {});
        expect(res.status, res.text).toBe(400);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("\u00ff", "\u00c0\u0080", "\u00ed\u00a0\u0080", "\u0080"), async (latin1) => {
        // fetch sends each of these characters as one byte: together, bytes that are not UTF-8
        const res = await send(`/v1/users/12345/deactivate`, { "idempotency-ref": `ref-${latin1}` });
        expect(res.status, res.text).toBe(400);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(badBytes, async (bytes) => {
        const res = await send(`/v1/users/12345/deactivate`, {}, jsonWithBytes('{"note":"', bytes, '"}'));
        expect(res.status, res.text).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it("events API: ListEvents and WatchEvents filters, over Connect, gRPC and REST", async () => {
    const field = fc.constantFrom("aggregateType", "aggregateId", "resourceOwner", "creator");
    type Protocol = "grpc" | "connect-json" | "connect-proto" | "grpc-web";
    const protocol = fc.constantFrom<Protocol>("grpc", "connect-json", "connect-proto", "grpc-web");
    await fc.assert(
      fc.asyncProperty(field, badString, protocol, async (name, bad, via) => {
        // A client library cannot send a lone surrogate (its UTF-8 encoder writes U+FFFD); raw JSON below can.
        const text = bad.includes("\u0000") ? bad : `${bad}\u0000`;
        const listed = await clients.call(via, EventService, "listEvents", { filter: { [name]: text } }, server.adminToken);
        count("events", listed.ok ? 200 : listed.code === Code.InvalidArgument ? 400 : 500);
        expect(listed, `${via} ListEvents ${name}`).toMatchObject({ ok: false, code: Code.InvalidArgument });
        const watcher = new Watcher(via, server.url, server.adminToken, { filter: { [name]: text } });
        await watcher.done;
        count("events", watcher.error?.code === Code.InvalidArgument ? 400 : 500);
        expect(watcher.error?.code, `${watcher.protocol} WatchEvents ${name}`).toBe(Code.InvalidArgument);
        for (const path of ["/v1/events/_search", `/${EventService.typeName}/ListEvents`]) {
          const raw = await fetch(`${server.url}${path}`, {
            method: "POST",
            headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
            body: JSON.stringify({ filter: { [name]: bad } }),
          });
          count("events", raw.status);
          expect(raw.status, `${path}: ${await raw.text()}`).toBe(400);
        }
      }),
      { numRuns: RUNS },
    );
    // Protobuf strings that are not UTF-8: filter (1) { aggregate_type (1) = bytes }.
    await fc.assert(
      fc.asyncProperty(badBytes, fc.constantFrom("ListEvents", "WatchEvents"), async (bytes, method) => {
        const filter = Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
        const request = Buffer.concat([Buffer.from([0x0a, filter.length]), filter]);
        const res = await rawGrpc(server.url, `/${EventService.typeName}/${method}`, grpcFrame(request), { authorization: `Bearer ${server.adminToken}` });
        count("events", res.grpcStatus === Code.InvalidArgument ? 400 : 500);
        expect(res.grpcStatus, res.message).toBe(Code.InvalidArgument);
      }),
      { numRuns: RUNS },
    );
  });

  it("REST gateway: path, query, JSON strings and bodies that are not UTF-8", async () => {
    const send = async (method: string, path: string, body?: Buffer | string) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)),
      });
      count("gateway", res.status);
      return { status: res.status, text: await res.text() };
    };
    await fc.assert(
      fc.asyncProperty(badSegment, fc.constantFrom("GET /v2/users/%s", "POST /v2/users/%s/deactivate", "DELETE /v2/users/%s", "GET /management/v1/users/%s", "GET /v2/users/123?userId=%s", "POST /v2/users/123/lock?x=%s"), async (bad, route) => {
        const [method, template] = route.split(" ");
        const res = await send(method, template.replace("%s", bad), method === "POST" ? "{}" : undefined);
        expect(res.status, `${method} ${template} ${bad}: ${res.text}`).toBe(400);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(badString, async (bad) => {
        const res = await send("POST", "/v2/users", JSON.stringify({ queries: [{ userNameQuery: { userName: bad } }] }));
        expect(res.status, res.text).toBe(400);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(badBytes, async (bytes) => {
        const res = await send("POST", "/v2/users", jsonWithBytes('{"queries":[{"userNameQuery":{"userName":"', bytes, '"}}]}'));
        expect(res.status, res.text).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it("wrote nothing, and every surface answered 4xx", async () => {
    expect(await countEvents(server)).toBe(eventsBefore);
    for (const [surface, figure] of tried) expect(figure.serverErrors, surface).toBe(0);
  });
});

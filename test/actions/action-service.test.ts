import type { DescMessage, DescService } from "@bufbuild/protobuf";
import { type Client, Code } from "@connectrpc/connect";
import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { createAdminServiceClient } from "@zitadel/client/v1";
import { ActionService as TheirActionService } from "@zitadel/proto/zitadel/action/v2beta/action_service_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionService as ActionServiceV2 } from "../../gen/zitadel/action/v2/action_service_pb.js";
import { ActionService as ActionServiceV2beta } from "../../gen/zitadel/action/v2beta/action_service_pb.js";
import { Clients, rest } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newMachine, newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";

/** Field numbers, names, kinds and types of a message and every message it holds, recursively. */
function shape(m: DescMessage, seen = new Set<string>()): string[] {
  if (seen.has(m.typeName)) return [];
  seen.add(m.typeName);
  return m.fields.flatMap((f) => {
    const type = f.fieldKind === "message" ? f.message.typeName : f.fieldKind === "list" && f.listKind === "message" ? f.message.typeName : f.fieldKind === "enum" ? f.enum.values.map((v) => `${v.name}=${v.number}`).join() : "";
    const nested = f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message") ? shape(f.message, seen) : [];
    return [`${m.typeName}.${f.number}:${f.name}:${f.fieldKind}:${type}:${f.oneof?.name ?? ""}:${f.proto.proto3Optional ?? false}`, ...nested];
  });
}

const METHODS = ["createTarget", "updateTarget", "deleteTarget", "getTarget", "listTargets", "setExecution", "listExecutions"] as const;

describe("the ActionService definitions", () => {
  it("v2beta matches the published @zitadel/proto descriptors for every method in scope, nested messages and enums included", () => {
    for (const name of METHODS) {
      const ours = (ActionServiceV2beta as DescService).methods.find((m) => m.localName === name)!;
      const theirs = (TheirActionService as DescService).methods.find((m) => m.localName === name)!;
      expect(ours.name).toBe(theirs.name);
      expect(shape(ours.input)).toEqual(shape(theirs.input));
      expect(shape(ours.output)).toEqual(shape(theirs.output));
    }
  });
});

describe.each(databaseKinds)("ActionService on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let actions: Client<typeof TheirActionService>;
  const transport = (token: string) => createServerTransport(token, { baseUrl: server.url });

  beforeAll(async () => {
    server = await startTestServer(kind);
    clients = new Clients(server.url);
    actions = createClientFor(TheirActionService)(transport(server.adminToken));
  }, 120_000);
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  const newTarget = (name = unique("target"), endpoint = "https://hooks.example.com/zitadel") =>
    actions.createTarget({ name, endpoint, timeout: { seconds: 5n }, targetType: { case: "restAsync", value: {} } });

  it("creates a target and answers its signing key, which GetTarget returns too; the key is in no event", async () => {
    const name = unique("crm");
    const created = await newTarget(name);
    expect(created.id).toMatch(/^\d+$/);
    expect(created.signingKey.length).toBeGreaterThanOrEqual(32);
    const { target } = await actions.getTarget({ id: created.id });
    expect(target).toMatchObject({ id: created.id, name, endpoint: "https://hooks.example.com/zitadel", signingKey: created.signingKey, timeout: { seconds: 5n } });
    expect(target?.targetType.case).toBe("restAsync");
    const admin = createAdminServiceClient(transport(server.adminToken));
    const { events } = await admin.listEvents({ aggregateId: created.id });
    expect(events.map((e) => e.type?.type)).toEqual(["target.added"]);
    const { rows } = await server.app.database.db.selectFrom("events").select("payload").where("aggregate_id", "=", created.id).execute().then((r) => ({ rows: r }));
    expect(JSON.stringify(rows)).not.toContain(created.signingKey);
  });

  it("refuses a second target with the same name, and bad input, changing nothing", async () => {
    const name = unique("dup");
    await newTarget(name);
    await expect(newTarget(name)).rejects.toMatchObject({ code: Code.AlreadyExists });
    await expect(newTarget("")).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(newTarget(unique("t"), "ftp://example.com")).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(actions.createTarget({ name: unique("t"), endpoint: "https://example.com", timeout: { seconds: 300n } })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("refuses link-local and cloud metadata addresses, in every spelling", async () => {
    for (const endpoint of ["http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/", "http://0.0.0.0/"]) {
      await expect(newTarget(unique("ssrf"), endpoint), endpoint).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining("endpoint refused") });
    }
    // Private and loopback addresses are allowed by default: self-hosted receivers live there.
    await expect(newTarget(unique("local"), "http://127.0.0.1:9/hook")).resolves.toBeDefined();
    await expect(newTarget(unique("lan"), "http://10.1.2.3/hook")).resolves.toBeDefined();
  });

  it("updates a target, rotates its key with expiration_signing_key 0s, and deletes it (twice without error)", async () => {
    const created = await newTarget();
    const renamed = unique("renamed");
    const updated = await actions.updateTarget({ id: created.id, name: renamed, expirationSigningKey: { seconds: 0n } });
    expect(updated.signingKey).toBeDefined();
    expect(updated.signingKey).not.toBe(created.signingKey);
    const { target } = await actions.getTarget({ id: created.id });
    expect(target).toMatchObject({ name: renamed, signingKey: updated.signingKey });
    const unchanged = await actions.updateTarget({ id: created.id, name: renamed });
    expect(unchanged.signingKey).toBeUndefined();
    await expect(actions.updateTarget({ id: created.id, expirationSigningKey: { seconds: 60n } })).rejects.toMatchObject({ code: Code.InvalidArgument });
    const deleted = await actions.deleteTarget({ id: created.id });
    expect(deleted.deletionDate).toBeDefined();
    expect((await actions.deleteTarget({ id: created.id })).deletionDate).toBeUndefined();
    await expect(actions.getTarget({ id: created.id })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(actions.updateTarget({ id: created.id, name: "x" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("lists targets by name and id, paged", async () => {
    const prefix = unique("list");
    const a = await newTarget(`${prefix}-a`);
    await newTarget(`${prefix}-b`);
    const byName = await actions.listTargets({ filters: [{ filter: { case: "targetNameFilter", value: { targetName: prefix, method: 2 } } }], pagination: { offset: 0n, limit: 1, asc: true } });
    expect(byName.pagination?.totalResult).toBe(2n);
    expect(byName.targets.map((t) => t.name)).toEqual([`${prefix}-a`]);
    const byId = await actions.listTargets({ filters: [{ filter: { case: "inTargetIdsFilter", value: { targetIds: [a.id] } } }] });
    expect(byId.targets.map((t) => t.id)).toEqual([a.id]);
  });

  it("sets event executions (event, group, all), lists them, and refuses other conditions as Unimplemented", async () => {
    const t1 = await newTarget();
    const t2 = await newTarget();
    await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "event", value: "user.locked" } } } }, targets: [t1.id] });
    await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "group", value: "user" } } } }, targets: [t1.id, t2.id] });
    await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "all", value: true } } } }, targets: [t2.id] });
    const forT2 = await actions.listExecutions({ filters: [{ filter: { case: "targetFilter", value: { targetId: t2.id } } }] });
    const conditionOf = (e: (typeof forT2.executions)[number]) => (e.condition?.conditionType.case === "event" ? JSON.stringify(e.condition.conditionType.value.condition) : "");
    expect(forT2.executions.map(conditionOf).sort()).toEqual(
      [JSON.stringify({ case: "all", value: true }), JSON.stringify({ case: "group", value: "user" })].sort(),
    );
    const request = { conditionType: { case: "request" as const, value: { condition: { case: "all" as const, value: true } } } };
    await expect(actions.setExecution({ condition: request, targets: [t1.id] })).rejects.toMatchObject({ code: Code.Unimplemented });
    await expect(actions.setExecution({ condition: { conditionType: { case: "function", value: { name: "preuserinfo" } } }, targets: [t1.id] })).rejects.toMatchObject({ code: Code.Unimplemented });
    await expect(actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "event", value: "user.locked" } } } }, targets: ["404"] })).rejects.toMatchObject({ code: Code.InvalidArgument });
    // An empty list removes the execution; a deleted target leaves every execution.
    await actions.setExecution({ condition: { conditionType: { case: "event", value: { condition: { case: "event", value: "user.locked" } } } }, targets: [] });
    await actions.deleteTarget({ id: t2.id });
    const forT1 = await actions.listExecutions({ filters: [{ filter: { case: "targetFilter", value: { targetId: t1.id } } }] });
    expect(forT1.executions).toHaveLength(1);
    expect(forT1.executions[0].targets).toEqual([t1.id]);
  });

  it("serves zitadel.action.v2 over gRPC and at its REST paths", async () => {
    const created = await clients.call("grpc", ActionServiceV2, "createTarget", { name: unique("v2"), endpoint: "https://example.com/v2", targetType: { case: "restWebhook", value: { interruptOnError: false } } }, server.adminToken);
    expect(created).toMatchObject({ ok: true });
    const viaRest = await rest(server.url, "POST", "/v2/actions/targets", { token: server.adminToken, body: { name: unique("rest"), endpoint: "https://example.com/rest", restAsync: {} } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.signingKey).toBeTruthy();
    const got = await rest(server.url, "GET", `/v2/actions/targets/${viaRest.body.id}`, { token: server.adminToken });
    expect(got.body.target).toMatchObject({ id: viaRest.body.id, signingKey: viaRest.body.signingKey, timeout: "10s" });
    const set = await rest(server.url, "PUT", "/v2/actions/executions", { token: server.adminToken, body: { condition: { event: { group: "org" } }, targets: [viaRest.body.id] } });
    expect(set.status).toBe(200);
    const jwt = await clients.call("connect-json", ActionServiceV2, "createTarget", { name: unique("jwt"), endpoint: "https://example.com", payloadType: 2 }, server.adminToken);
    expect(jwt).toMatchObject({ ok: false, code: Code.Unimplemented });
  });

  it("needs the instance permission: an organization owner is refused", async () => {
    const orgId = await newOrg(clients, server.adminToken);
    const owner = await newMachine(clients, server.adminToken, orgId, ["ORG_OWNER"]);
    const asOwner = createClientFor(TheirActionService)(transport(owner.token));
    await expect(asOwner.listTargets({})).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(asOwner.createTarget({ name: "x", endpoint: "https://example.com" })).rejects.toMatchObject({ code: Code.PermissionDenied });
  });
});

import { createClientFor } from "@zitadel/client";
import { createServerTransport } from "@zitadel/client/node";
import { createAdminServiceClient } from "@zitadel/client/v1";
import { AdminService as TheirAdminService } from "@zitadel/proto/zitadel/admin_pb.js";
import { file_zitadel_event } from "@zitadel/proto/zitadel/event_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { DescMessage } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../../gen/zitadel/admin_pb.js";
import { file_zitadel_event as ourEventFile } from "../../gen/zitadel/event_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { hasInstancePermission } from "../../src/commands/permissions.js";
import { EVENT_TYPES } from "../../src/events/catalog.js";
import { Clients, expectOk, rest } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { newHumanWithPassword } from "../login/helpers.js";

const shape = (m: DescMessage) => m.fields.map((f) => `${f.number}:${f.name}:${f.fieldKind}:${f.fieldKind === "message" ? f.message.typeName : f.fieldKind === "scalar" ? f.scalar : ""}:${f.oneof?.name ?? ""}`);

describe("the admin event API's definitions", () => {
  it("are ZITADEL's: every message of zitadel/event.proto and the admin requests match the published descriptors", () => {
    for (const theirs of file_zitadel_event.messages) {
      const ours = ourEventFile.messages.find((m) => m.typeName === theirs.typeName);
      expect(ours && shape(ours), theirs.typeName).toEqual(shape(theirs));
    }
    for (const name of ["listEvents", "listEventTypes", "listAggregateTypes"] as const) {
      const theirs = TheirAdminService.method[name];
      const ours = AdminService.method[name];
      expect(shape(ours.input)).toEqual(shape(theirs.input));
      expect(shape(ours.output)).toEqual(shape(theirs.output));
    }
  });

  it("lets instance owners and viewers read events, and nobody else instance-wide", () => {
    const principal = (roles: string[]) => ({ userId: "u", orgId: "o", instanceRoles: roles, orgRoles: {} });
    expect(hasInstancePermission(principal(["IAM_OWNER"]), "events.read")).toBe(true);
    expect(hasInstancePermission(principal(["IAM_OWNER_VIEWER"]), "events.read")).toBe(true);
    expect(hasInstancePermission(principal(["IAM_OWNER_VIEWER"]), "user.write")).toBe(false);
    expect(hasInstancePermission(principal(["ORG_OWNER"]), "events.read")).toBe(false);
  });
});

describe.each(databaseKinds)("AdminService ListEvents through ZITADEL's own client, on %s", (kind) => {
  let server: TestServer;
  let clients: Clients;
  let admin: ReturnType<typeof createAdminServiceClient>;
  let orgA: string;
  let userA: string;
  let owner: { userId: string; token: string };
  const transport = (token: string) => createServerTransport(token, { baseUrl: server.url });

  beforeAll(async () => {
    server = await startTestServer(kind);
    clients = new Clients(server.url);
    admin = createAdminServiceClient(transport(server.adminToken));
    orgA = await newOrg(clients, server.adminToken);
    userA = await newHuman(clients, server.adminToken, orgA);
    owner = await newMachine(clients, server.adminToken, orgA, ["ORG_OWNER"]);
    expectOk(await clients.call("connect-json", UserService, "lockUser", { userId: userA }, owner.token));
    await newHumanWithPassword(clients, server.adminToken, orgA);
  }, 120_000);
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  it("lists an event in ZITADEL's shape: editor, aggregate, sequence, creation date, payload, type", async () => {
    const { events } = await admin.listEvents({ aggregateId: userA, eventTypes: ["user.locked"] });
    expect(events).toHaveLength(1);
    const [locked] = events;
    expect(locked.editor?.userId).toBe(owner.userId);
    expect(locked.aggregate).toMatchObject({ id: userA, type: { type: "user" }, resourceOwner: orgA });
    expect(locked.type?.type).toBe("user.locked");
    expect(locked.sequence).toBe(2n);
    expect(locked.creationDate).toBeDefined();
    expect(locked.payload).toEqual({ reason: "manual" });
  });

  it("goes newest first by default, oldest first with asc, and filters by sequence, limit, types and owner", async () => {
    const desc = await admin.listEvents({ aggregateTypes: ["user"], resourceOwner: orgA });
    const asc = await admin.listEvents({ aggregateTypes: ["user"], resourceOwner: orgA, asc: true });
    expect(desc.events.length).toBeGreaterThanOrEqual(4);
    expect(asc.events.map((e) => e.type?.type)).toEqual(desc.events.map((e) => e.type?.type).reverse());
    const afterFirst = await admin.listEvents({ aggregateId: userA, sequence: 1n, asc: true });
    expect(afterFirst.events.map((e) => e.sequence)).toEqual([2n]);
    expect((await admin.listEvents({ limit: 2 })).events).toHaveLength(2);
    const byEditor = await admin.listEvents({ editorUserId: owner.userId });
    // Newest first: the lock, then the activity the owner's first call of the day recorded (itself the editor).
    expect(byEditor.events.map((e) => e.type?.type)).toEqual(["user.locked", "user.activity.recorded"]);
  });

  it("bounds the creation date: from (by the order's direction) and range", async () => {
    const future = timestampFromDate(new Date(Date.now() + 3_600_000));
    const past = timestampFromDate(new Date(Date.now() - 3_600_000));
    expect((await admin.listEvents({ asc: true, creationDateFilter: { case: "from", value: future } })).events).toHaveLength(0);
    expect((await admin.listEvents({ asc: false, creationDateFilter: { case: "from", value: past } })).events).toHaveLength(0);
    const inRange = await admin.listEvents({ aggregateId: userA, creationDateFilter: { case: "range", value: { since: past, until: future } } });
    expect(inRange.events).toHaveLength(2);
  });

  it("never shows a secret in a payload", async () => {
    const { events } = await admin.listEvents({ eventTypes: ["user.human.added", "user.pat.added"] });
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events.map((e) => e.payload))).not.toMatch(/hash/i);
  });

  it("lists the event and aggregate types", async () => {
    const types = await admin.listEventTypes({});
    expect(types.eventTypes.map((t) => t.type)).toEqual([...EVENT_TYPES]);
    expect(types.eventTypes[0].localized?.key).toBe("EventTypes.user.human.added");
    const aggregates = await admin.listAggregateTypes({});
    expect(aggregates.aggregateTypes.map((t) => t.type)).toContain("user");
  });

  it("refuses an organization owner (events.read is an instance permission) and a caller without a token", async () => {
    const asOwner = createAdminServiceClient(transport(owner.token));
    await expect(asOwner.listEvents({ resourceOwner: orgA })).rejects.toMatchObject({ code: Code.PermissionDenied });
    const anonymous = createClientFor(TheirAdminService)(transport(""));
    await expect(anonymous.listEventTypes({})).rejects.toBeInstanceOf(ConnectError);
  });

  it("answers over REST at ZITADEL's paths", async () => {
    const res = await rest(server.url, "POST", "/admin/v1/events/_search", { token: server.adminToken, body: { aggregateId: userA, asc: true } });
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { type: { type: string } }) => e.type.type)).toEqual(["user.human.added", "user.locked"]);
    expect(res.body.events[1].sequence).toBe("2");
    expect((await rest(server.url, "POST", "/admin/v1/events/types/_search", { token: server.adminToken, body: {} })).body.eventTypes.length).toBe(EVENT_TYPES.length);
    expect((await rest(server.url, "POST", "/admin/v1/aggregates/types/_search", { token: server.adminToken, body: {} })).status).toBe(200);
    expect((await rest(server.url, "POST", "/admin/v1/events/_search", { token: owner.token, body: {} })).status).toBe(403);
  });
});

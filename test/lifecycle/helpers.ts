import { sql } from "kysely";
import { LifecyclePolicyService } from "../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import type { Db } from "../../src/db/database.js";
import { INSTANCE_ID, instanceAggregate } from "../../src/domain/instance/instance.js";
import { EventStore } from "../../src/eventstore/event-store.js";
import { projections } from "../../src/projections/registry.js";
import { type Clients, expectOk } from "../harness/clients.js";

export const DAY = 86_400_000;
export const MINUTE = 60_000;

/** Every lifecycle-relevant event of the users given, in log order. */
export async function eventsOf(db: Db, userIds: string[]) {
  const { rows } = await sql<{ aggregate_id: string; type: string; payload: Record<string, unknown>; creator: string }>`
    select aggregate_id, type, payload, creator from events
    where aggregate_type = 'user' and aggregate_id = any(${userIds}::text[]) order by position`.execute(db);
  return rows;
}

export async function deactivatedIds(db: Db, userIds: string[]): Promise<string[]> {
  return (await eventsOf(db, userIds)).filter((e) => e.type === "user.deactivated").map((e) => e.aggregate_id).sort();
}

export async function userState(clients: Clients, admin: string, userId: string): Promise<string | undefined> {
  const res = await clients.call("connect-json", UserService, "getUserByID", { userId }, admin);
  return res.ok ? String(res.message.user?.state) : undefined;
}

export async function setOrgPolicy(clients: Clients, token: string, organizationId: string, inactiveDays: number, extra: { includeMachineUsers?: boolean; dryRun?: boolean } = {}) {
  return expectOk(await clients.call("connect-json", LifecyclePolicyService, "setInactivityPolicy", { organizationId, inactiveDays, ...extra }, token));
}

export async function preview(clients: Clients, token: string, organizationId: string, limit = 1000) {
  return expectOk(await clients.call("connect-json", LifecyclePolicyService, "previewDeactivations", { organizationId, limit }, token));
}

/** Makes a user an instance owner with the same event the first-start bootstrap appends (no API grants it). */
export async function makeInstanceOwner(db: Db, now: () => Date, userId: string): Promise<void> {
  const store = new EventStore(db, projections, now);
  await store.run({ creator: "test" }, async (session) => {
    const instance = await session.load(instanceAggregate, INSTANCE_ID);
    session.append(instance, [{ type: "instance.member.added", data: { userId, roles: ["IAM_OWNER"] } }]);
  });
}

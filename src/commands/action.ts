import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { type EventCondition, executionAggregate, executionId, setExecution as decideSetExecution, validCondition } from "../domain/action/execution.js";
import {
  addTarget,
  changeTarget,
  disableTarget as decideDisableTarget,
  removeTarget,
  targetAggregate,
  targetNotFound,
  type TargetSettings,
} from "../domain/action/target.js";
import { invalidArgument } from "../domain/errors.js";
import { type AddressPolicy, endpointRefusal } from "../domain/action/address-policy.js";
import type { ObjectDetails } from "../eventstore/types.js";
import { INSTANCE_RESOURCE_OWNER } from "../domain/settings/lockout.js";
import { type Access, permissionDenied } from "./access.js";
import type { Deps } from "./deps.js";
import { hasInstancePermission } from "./permissions.js";

/** Targets and executions belong to the instance: the permission must be held there. */
function authorizeInstance(access: Access): void {
  if (!hasInstancePermission(access.principal, access.permission)) throw permissionDenied(access.permission);
}

/** 32 random bytes, base64url: the HMAC key a receiver verifies signatures with. */
const newSigningKey = () => randomBytes(32).toString("base64url");

function checkEndpoint(endpoint: string, policy: AddressPolicy): string {
  if (endpoint.length < 1 || endpoint.length > 2048) throw invalidArgument("TARGET-endpoint-invalid", "endpoint must have 1..2048 characters");
  const why = endpointRefusal(endpoint, policy);
  if (why) throw invalidArgument("TARGET-endpoint-refused", `endpoint refused: ${why}`);
  return endpoint;
}

type ActionDeps = Pick<Deps, "store" | "newId" | "now" | "addressPolicy" | "actionsChanged">;

const policyOf = (deps: ActionDeps): AddressPolicy => deps.addressPolicy ?? { allowPrivate: true };

/** Creates a target with a new signing key; the key row commits with the event and never enters it. */
export async function createTarget(deps: ActionDeps, access: Access, input: TargetSettings) {
  authorizeInstance(access);
  checkEndpoint(input.endpoint, policyOf(deps));
  const id = deps.newId();
  const signingKeyId = deps.newId();
  const signingKey = newSigningKey();
  const write = await deps.store.run(
    { creator: access.principal.userId },
    async (session) => {
      const target = await session.load(targetAggregate, id);
      return session.append(target, addTarget(target.state, { ...input, signingKeyId }), INSTANCE_RESOURCE_OWNER);
    },
    { inTransaction: (trx) => trx.insertInto("target_signing_keys").values({ id: signingKeyId, target_id: id, signing_key: signingKey, created_at: deps.now() }).execute().then(() => undefined) },
  );
  deps.actionsChanged?.();
  return { id, details: write.details(), signingKey };
}

/** Changes what is given; `rotateKey` replaces the signing key at once (the platform allows only "0s"). */
export async function updateTarget(deps: ActionDeps, access: Access, id: string, change: Partial<TargetSettings>, rotateKey: boolean) {
  authorizeInstance(access);
  if (change.endpoint !== undefined) checkEndpoint(change.endpoint, policyOf(deps));
  const signingKeyId = rotateKey ? deps.newId() : undefined;
  const signingKey = rotateKey ? newSigningKey() : undefined;
  const write = await deps.store.run(
    { creator: access.principal.userId },
    async (session) => {
      const target = await session.load(targetAggregate, id);
      return session.append(target, changeTarget(target.state, { ...change, signingKeyId }), INSTANCE_RESOURCE_OWNER);
    },
    signingKeyId && signingKey
      ? { inTransaction: (trx) => trx.insertInto("target_signing_keys").values({ id: signingKeyId, target_id: id, signing_key: signingKey, created_at: deps.now() }).execute().then(() => undefined) }
      : {},
  );
  deps.actionsChanged?.();
  return { details: write.events.length > 0 ? write.details() : undefined, signingKey };
}

/** Deletes a target; one that does not exist is already deleted (no details then). */
export async function deleteTarget(deps: Pick<Deps, "store" | "actionsChanged">, access: Access, id: string): Promise<ObjectDetails | undefined> {
  authorizeInstance(access);
  const write = await deps.store.run({ creator: access.principal.userId }, async (session) => {
    const target = await session.load(targetAggregate, id);
    return session.append(target, removeTarget(target.state), INSTANCE_RESOURCE_OWNER);
  });
  deps.actionsChanged?.();
  return write.events.length > 0 ? write.details() : undefined;
}

/**
 * Disables a target on behalf of the delivery worker (410 Gone, or failing for too long). The history says
 * who: the system principal passed as `creator`.
 */
export async function disableTarget(deps: Pick<Deps, "store">, creator: string, id: string, reason: "gone" | "failures", detail: string): Promise<void> {
  await deps.store.run({ creator }, async (session) => {
    const target = await session.load(targetAggregate, id);
    return session.append(target, target.state.status === "active" ? decideDisableTarget(target.state, reason, detail) : [], INSTANCE_RESOURCE_OWNER);
  });
}

/** Sets the targets of an event condition's execution; every target must exist. */
export async function setEventExecution(deps: Pick<Deps, "store" | "db" | "actionsChanged">, access: Access, condition: EventCondition, targets: string[]) {
  authorizeInstance(access);
  const valid = validCondition(condition);
  if (targets.length > 0) {
    const found = await deps.db.selectFrom("targets_v1").select("id").where("id", "in", targets).execute();
    const missing = targets.filter((t) => !found.some((f) => f.id === t));
    if (missing.length) throw invalidArgument("EXECUTION-target-unknown", `unknown target ${missing[0]}`);
  }
  const write = await deps.store.run({ creator: access.principal.userId }, async (session) => {
    const execution = await session.load(executionAggregate, executionId(valid));
    return session.append(execution, decideSetExecution(execution.state, valid, targets), INSTANCE_RESOURCE_OWNER);
  });
  deps.actionsChanged?.();
  return write.events.length > 0 ? write.details() : undefined;
}

export interface TargetRow {
  id: string;
  name: string;
  endpoint: string;
  timeout_ms: number;
  target_type: string;
  interrupt_on_error: boolean;
  state: string;
  creation_date: Date;
  change_date: Date;
  signing_key: string;
}

const targetColumns = ["t.id", "t.name", "t.endpoint", "t.timeout_ms", "t.target_type", "t.interrupt_on_error", "t.state", "t.creation_date", "t.change_date", "k.signing_key"] as const;

export async function getTarget(deps: Pick<Deps, "db">, access: Access, id: string): Promise<TargetRow> {
  authorizeInstance(access);
  const row = await deps.db
    .selectFrom("targets_v1 as t")
    .innerJoin("target_signing_keys as k", "k.id", "t.signing_key_id")
    .select(targetColumns)
    .where("t.id", "=", id)
    .executeTakeFirst();
  if (!row) throw targetNotFound();
  return row;
}

export interface TargetQuery {
  offset: number;
  limit: number;
  asc: boolean;
  sortBy: "creation_date" | "change_date" | "name" | "id" | "endpoint" | "timeout_ms" | "target_type";
  name?: { value: string; op: "=" | "ilike" | "like" };
  ids?: string[];
}

export async function listTargets(deps: Pick<Deps, "db">, access: Access, query: TargetQuery) {
  authorizeInstance(access);
  let base = deps.db.selectFrom("targets_v1 as t").innerJoin("target_signing_keys as k", "k.id", "t.signing_key_id");
  if (query.name) base = base.where("t.name", query.name.op, query.name.value);
  if (query.ids) base = base.where("t.id", "in", query.ids.length ? query.ids : [""]);
  const [rows, total] = await Promise.all([
    base.select(targetColumns).orderBy(`t.${query.sortBy}`, query.asc ? "asc" : "desc").orderBy("t.id").offset(query.offset).limit(query.limit).execute(),
    base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

export interface ExecutionQuery {
  offset: number;
  limit: number;
  asc: boolean;
  ids?: string[];
  targetId?: string;
}

export async function listExecutions(deps: Pick<Deps, "db">, access: Access, query: ExecutionQuery) {
  authorizeInstance(access);
  let base = deps.db.selectFrom("executions_v1");
  if (query.ids) base = base.where("id", "in", query.ids.length ? query.ids : [""]);
  if (query.targetId) base = base.where(sql<boolean>`targets @> ${JSON.stringify([query.targetId])}::jsonb`);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy("creation_date", query.asc ? "asc" : "desc").orderBy("id").offset(query.offset).limit(query.limit).execute(),
    base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow(),
  ]);
  // Targets deleted since are left out, as the platform removes them from every execution.
  const live = new Set((await deps.db.selectFrom("targets_v1").select("id").execute()).map((r) => r.id));
  return { rows: rows.map((r) => ({ ...r, targets: (typeof r.targets === "string" ? JSON.parse(r.targets) : r.targets).filter((t: string) => live.has(t)) as string[] })), total: Number(total.n) };
}

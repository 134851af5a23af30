import { sql } from "kysely";
import { notFound, invalidArgument } from "../domain/errors.js";
import { targetNotFound } from "../domain/action/target.js";
import { type Access, permissionDenied } from "./access.js";
import type { Deps } from "./deps.js";
import { hasInstancePermission } from "./permissions.js";

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

async function loadTarget(deps: Pick<Deps, "db">, access: Access, targetId: string): Promise<void> {
  if (!hasInstancePermission(access.principal, access.permission)) throw permissionDenied(access.permission);
  const target = await deps.db.selectFrom("targets_v1").select("id").where("id", "=", targetId).executeTakeFirst();
  if (!target) throw targetNotFound();
}

function limitOf(limit: number): number {
  if (limit > MAX_LIMIT) throw invalidArgument("LIST-limit-invalid", `limit must be at most ${MAX_LIMIT}`);
  return limit || DEFAULT_LIMIT;
}

export async function listDeliveries(deps: Pick<Deps, "db">, access: Access, targetId: string, options: { state?: string; beforePosition: number; limit: number }) {
  await loadTarget(deps, access, targetId);
  let query = deps.db.selectFrom("deliveries").selectAll().where("target_id", "=", targetId);
  if (options.state) query = query.where("state", "=", options.state);
  if (options.beforePosition) query = query.where("position", "<", options.beforePosition);
  return query.orderBy("position", "desc").limit(limitOf(options.limit)).execute();
}

export async function listDeliveryAttempts(deps: Pick<Deps, "db">, access: Access, targetId: string, options: { beforeId: number; limit: number }) {
  await loadTarget(deps, access, targetId);
  let query = deps.db.selectFrom("delivery_log").selectAll().where("target_id", "=", targetId);
  if (options.beforeId) query = query.where("id", "<", options.beforeId);
  return query.orderBy("id", "desc").limit(limitOf(options.limit)).execute();
}

/**
 * One delivery due again now, from the schedule's start; its webhook-id stays the same. A pending one that
 * waits for its next retry goes now too; one in flight (leased) is left to its attempt.
 */
export async function redeliver(deps: Pick<Deps, "db" | "actionsChanged">, access: Access, targetId: string, position: number): Promise<void> {
  await loadTarget(deps, access, targetId);
  const updated = await deps.db
    .updateTable("deliveries")
    .set({ state: "pending", attempts: 0, next_attempt_at: sql<Date>`now()`, finished_at: null, lease_until: null })
    .where("target_id", "=", targetId)
    .where("position", "=", position)
    .where(({ eb, or, and }) => or([eb("state", "in", ["delivered", "dead"]), and([eb("state", "=", "pending"), or([eb("lease_until", "is", null), eb("lease_until", "<", sql<Date>`now()`)])])]))
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    const exists = await deps.db.selectFrom("deliveries").select("state").where("target_id", "=", targetId).where("position", "=", position).executeTakeFirst();
    if (!exists) throw notFound("DELIVERY-not-found", "The target has no delivery for this event");
    // A pending delivery in flight: its attempt is under way.
  }
  deps.actionsChanged?.();
}

export async function redeliverDeadLetters(deps: Pick<Deps, "db" | "actionsChanged">, access: Access, targetId: string): Promise<number> {
  await loadTarget(deps, access, targetId);
  const updated = await deps.db
    .updateTable("deliveries")
    .set({ state: "pending", attempts: 0, next_attempt_at: sql<Date>`now()`, finished_at: null, lease_until: null })
    .where("target_id", "=", targetId)
    .where("state", "=", "dead")
    .executeTakeFirst();
  deps.actionsChanged?.();
  return Number(updated.numUpdatedRows);
}

/**
 * Moves the target's cursor back to just before the first event at or after `from`; the scanner then turns
 * every matching event from there into a due delivery again. Returns that event's position (0: none).
 */
export async function replay(deps: Pick<Deps, "db" | "actionsChanged">, access: Access, targetId: string, from: { position: number } | { time: Date }): Promise<number> {
  await loadTarget(deps, access, targetId);
  let first = deps.db.selectFrom("events").select(["position", sql<string>`transaction_id::text`.as("xid")]);
  first = "position" in from ? first.where("position", ">=", from.position).orderBy("position") : first.where("created_at", ">=", from.time).orderBy("created_at").orderBy("position");
  const event = await first.limit(1).executeTakeFirst();
  if (!event) return 0;
  await deps.db
    .insertInto("delivery_cursors")
    .values({ target_id: targetId, after_xid: sql<string>`${event.xid}::xid8`, after_position: Number(event.position) - 1 })
    .onConflict((oc) => oc.column("target_id").doUpdateSet({ after_xid: sql<string>`${event.xid}::xid8`, after_position: Number(event.position) - 1 }))
    .execute();
  deps.actionsChanged?.();
  return Number(event.position);
}

/** How a target stands: active or why it was disabled, its lag, its dead letters and its failure streak. */
export async function deliveryStatus(deps: Pick<Deps, "db">, access: Access, targetId: string) {
  await loadTarget(deps, access, targetId);
  const { db } = deps;
  const [target, pending, cursor] = await Promise.all([
    db.selectFrom("targets_v1").select("state").where("id", "=", targetId).executeTakeFirstOrThrow(),
    db
      .selectFrom("deliveries")
      .select([
        sql<number>`count(*) filter (where state = 'pending')::int`.as("lag"),
        sql<number | null>`extract(epoch from now() - min(event_created_at) filter (where state = 'pending'))::float8`.as("age"),
        sql<number>`count(*) filter (where state = 'dead')::int`.as("dead"),
      ])
      .where("target_id", "=", targetId)
      .where("state", "in", ["pending", "dead"])
      .executeTakeFirstOrThrow(),
    db.selectFrom("delivery_cursors").select("consecutive_failures").where("target_id", "=", targetId).executeTakeFirst(),
  ]);
  const active = target.state === "active";
  // Why it is disabled is in the event that disabled it (the read model keeps the state only).
  const disabled = active
    ? undefined
    : await db
        .selectFrom("events")
        .select(["payload", "created_at"])
        .where("aggregate_type", "=", "target")
        .where("aggregate_id", "=", targetId)
        .where("type", "=", "target.disabled")
        .orderBy("sequence", "desc")
        .limit(1)
        .executeTakeFirst();
  const payload = (typeof disabled?.payload === "string" ? JSON.parse(disabled.payload) : disabled?.payload) as { reason?: string; detail?: string } | undefined;
  return {
    active,
    disabledReason: payload?.reason ?? "",
    disabledDetail: payload?.detail ?? "",
    disabledAt: disabled ? new Date(disabled.created_at) : undefined,
    lagEvents: Number(pending.lag),
    lagSeconds: Number(pending.age ?? 0),
    deadLetters: Number(pending.dead),
    consecutiveFailures: cursor?.consecutive_failures ?? 0,
  };
}

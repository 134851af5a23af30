import type { Duration } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { createTarget, deleteTarget, getTarget, listExecutions, listTargets, setEventExecution, updateTarget, type TargetQuery } from "../../commands/action.js";
import type { Deps } from "../../commands/deps.js";
import { executionId } from "../../domain/action/execution.js";
import { invalidArgument, unimplemented } from "../../domain/errors.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";
import { durationMs, eventConditionOf, targetTypeOf, timeoutOf, type WireCondition, type WireTargetType, wireCondition, wireTarget } from "./convert.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
// PAYLOAD_TYPE_UNSPECIFIED and PAYLOAD_TYPE_JSON; JWT and JWE are not offered.
const JSON_PAYLOADS = new Set([0, 1]);

interface Pagination {
  offset: bigint;
  limit: number;
  asc: boolean;
}

function page(p: Pagination | undefined) {
  if (p && p.limit > MAX_LIMIT) throw invalidArgument("LIST-limit-invalid", `limit must be at most ${MAX_LIMIT}`);
  if (p && p.offset > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument("LIST-offset-invalid", "offset is too large");
  return { offset: Number(p?.offset ?? 0n), limit: p?.limit || DEFAULT_LIMIT, asc: p?.asc ?? false };
}

const SORT: Record<number, TargetQuery["sortBy"]> = { 0: "creation_date", 1: "id", 2: "creation_date", 3: "change_date", 4: "name", 5: "target_type", 6: "endpoint", 7: "timeout_ms", 8: "creation_date" };
const TEXT_OPS: Record<number, (v: string) => TargetQuery["name"]> = {
  0: (v) => ({ op: "=", value: v }),
  1: (v) => ({ op: "ilike", value: escapeLike(v) }),
  2: (v) => ({ op: "like", value: `${escapeLike(v)}%` }),
  3: (v) => ({ op: "ilike", value: `${escapeLike(v)}%` }),
  4: (v) => ({ op: "like", value: `%${escapeLike(v)}%` }),
  5: (v) => ({ op: "ilike", value: `%${escapeLike(v)}%` }),
  6: (v) => ({ op: "like", value: `%${escapeLike(v)}` }),
  7: (v) => ({ op: "ilike", value: `%${escapeLike(v)}` }),
};
const escapeLike = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

function payloadTypeOk(payloadType: number | undefined) {
  if (payloadType !== undefined && !JSON_PAYLOADS.has(payloadType)) throw unimplemented("TARGET-payload-type-unsupported", "only JSON payloads are supported by this server");
}

/**
 * The ActionService of zitadel.action.v2beta and zitadel.action.v2: their messages differ only by v2's
 * payload_type, so one implementation serves both.
 */
export function actionService(deps: Deps) {
  return {
    async createTarget(req: { name: string; targetType: WireTargetType; timeout?: Duration; endpoint: string; payloadType?: number }, ctx: HandlerContext) {
      payloadTypeOk(req.payloadType);
      const type = targetTypeOf(req.targetType) ?? { targetType: "rest_async" as const, interruptOnError: false };
      const created = await createTarget(deps, accessOf(ctx), { name: req.name, endpoint: req.endpoint, timeoutMs: timeoutOf(req.timeout), ...type });
      return { id: created.id, creationDate: timestamp(created.details.creationDate), signingKey: created.signingKey };
    },
    async updateTarget(
      req: { id: string; name?: string; targetType: WireTargetType; timeout?: Duration; endpoint?: string; expirationSigningKey?: Duration; payloadType?: number },
      ctx: HandlerContext,
    ) {
      if (req.payloadType) payloadTypeOk(req.payloadType);
      if (req.expirationSigningKey && durationMs(req.expirationSigningKey, 0) !== 0) {
        throw invalidArgument("TARGET-expiration-signing-key-invalid", 'expiration_signing_key supports only "0s" (an immediate rotation)');
      }
      const change = { name: req.name, endpoint: req.endpoint, timeoutMs: req.timeout ? timeoutOf(req.timeout) : undefined, ...targetTypeOf(req.targetType) };
      const updated = await updateTarget(deps, accessOf(ctx), req.id, change, !!req.expirationSigningKey);
      return { changeDate: timestamp(updated.details?.changeDate ?? deps.now()), signingKey: updated.signingKey };
    },
    async deleteTarget(req: { id: string }, ctx: HandlerContext) {
      const details = await deleteTarget(deps, accessOf(ctx), req.id);
      return { deletionDate: details ? timestamp(details.changeDate) : undefined };
    },
    async getTarget(req: { id: string }, ctx: HandlerContext) {
      return { target: wireTarget(await getTarget(deps, accessOf(ctx), req.id)) };
    },
    async listTargets(
      req: { pagination?: Pagination; sortingColumn?: number; filters: { filter: { case: "targetNameFilter"; value: { targetName: string; method: number } } | { case: "inTargetIdsFilter"; value: { targetIds: string[] } } | { case: undefined } }[] },
      ctx: HandlerContext,
    ) {
      const query: TargetQuery = { ...page(req.pagination), sortBy: SORT[req.sortingColumn ?? 0] ?? "creation_date" };
      for (const { filter } of req.filters) {
        if (filter.case === "targetNameFilter") query.name = (TEXT_OPS[filter.value.method] ?? TEXT_OPS[0])(filter.value.targetName);
        else if (filter.case === "inTargetIdsFilter") query.ids = filter.value.targetIds;
        else throw invalidArgument("LIST-filter-missing", "a filter must set one of its kinds");
      }
      const { rows, total } = await listTargets(deps, accessOf(ctx), query);
      return { pagination: { totalResult: BigInt(total), appliedLimit: BigInt(query.limit) }, targets: rows.map(wireTarget) };
    },
    async setExecution(req: { condition?: WireCondition; targets: string[] }, ctx: HandlerContext) {
      const condition = eventConditionOf(req.condition);
      const details = await setEventExecution(deps, accessOf(ctx), condition, req.targets);
      return { setDate: timestamp(details?.changeDate ?? deps.now()) };
    },
    async listExecutions(
      req: {
        pagination?: Pagination;
        filters: {
          filter:
            | { case: "inConditionsFilter"; value: { conditions: WireCondition[] } }
            | { case: "executionTypeFilter"; value: { executionType: number } }
            | { case: "targetFilter"; value: { targetId: string } }
            | { case: undefined };
        }[];
      },
      ctx: HandlerContext,
    ) {
      const query = { ...page(req.pagination), ids: undefined as string[] | undefined, targetId: undefined as string | undefined };
      for (const { filter } of req.filters) {
        if (filter.case === "inConditionsFilter") query.ids = filter.value.conditions.map((c) => executionId(eventConditionOf(c)));
        // Every execution here is an event execution (EXECUTION_TYPE_EVENT = 3).
        else if (filter.case === "executionTypeFilter") query.ids = filter.value.executionType === 3 || filter.value.executionType === 0 ? query.ids : [];
        else if (filter.case === "targetFilter") query.targetId = filter.value.targetId;
        else throw invalidArgument("LIST-filter-missing", "a filter must set one of its kinds");
      }
      const { rows, total } = await listExecutions(deps, accessOf(ctx), query);
      return {
        pagination: { totalResult: BigInt(total), appliedLimit: BigInt(query.limit) },
        executions: rows.map((r) => ({ condition: wireCondition(r.condition_kind, r.condition_value), creationDate: timestamp(r.creation_date), changeDate: timestamp(r.change_date), targets: r.targets })),
      };
    },
  };
}

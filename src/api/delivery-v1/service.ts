import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { DeliveryState, type DeliveryService } from "../../../gen/lifecycle/delivery/v1/delivery_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { deliveryStatus, listDeliveries, listDeliveryAttempts, redeliver, redeliverDeadLetters, replay } from "../../commands/delivery.js";
import { invalidArgument } from "../../domain/errors.js";
import { webhookId } from "../../delivery/payload.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";

const STATES: Record<string, DeliveryState> = { pending: DeliveryState.PENDING, delivered: DeliveryState.DELIVERED, dead: DeliveryState.DEAD };
const STATE_NAMES: Partial<Record<DeliveryState, string>> = { [DeliveryState.PENDING]: "pending", [DeliveryState.DELIVERED]: "delivered", [DeliveryState.DEAD]: "dead" };

function position(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument("DELIVERY-position-invalid", "position is too large");
  return Number(value);
}

/** The delivery log and redelivery of action targets. */
export function deliveryServiceV1(deps: Deps): ServiceImpl<typeof DeliveryService> {
  return {
    async getDeliveryStatus(req, ctx: HandlerContext) {
      const s = await deliveryStatus(deps, accessOf(ctx), req.targetId);
      return {
        active: s.active,
        disabledReason: s.disabledReason,
        disabledDetail: s.disabledDetail,
        disabledTime: s.disabledAt && timestamp(s.disabledAt),
        lagEvents: BigInt(s.lagEvents),
        lagSeconds: s.lagSeconds,
        deadLetters: BigInt(s.deadLetters),
        consecutiveFailures: s.consecutiveFailures,
      };
    },
    async listDeliveries(req, ctx: HandlerContext) {
      const rows = await listDeliveries(deps, accessOf(ctx), req.targetId, { state: STATE_NAMES[req.state], beforePosition: position(req.beforePosition), limit: req.limit });
      return {
        deliveries: rows.map((r) => ({
          position: BigInt(r.position),
          eventType: r.event_type,
          aggregateType: r.aggregate_type,
          aggregateId: r.aggregate_id,
          sequence: BigInt(r.sequence),
          state: STATES[r.state],
          attempts: r.attempts,
          nextAttemptTime: r.state === "pending" ? timestamp(new Date(r.next_attempt_at)) : undefined,
          lastStatusCode: r.last_status ?? 0,
          lastError: r.last_error ?? "",
          webhookId: webhookId(r.target_id, Number(r.position)),
        })),
      };
    },
    async listDeliveryAttempts(req, ctx: HandlerContext) {
      const rows = await listDeliveryAttempts(deps, accessOf(ctx), req.targetId, { beforeId: position(req.beforeId), limit: req.limit });
      return {
        attempts: rows.map((r) => ({
          id: BigInt(r.id),
          position: BigInt(r.position),
          attempt: r.attempt,
          outcome: r.outcome,
          statusCode: r.status_code ?? 0,
          latencyMs: r.latency_ms,
          error: r.error ?? "",
          time: timestamp(new Date(r.at)),
        })),
      };
    },
    async redeliver(req, ctx: HandlerContext) {
      await redeliver(deps, accessOf(ctx), req.targetId, position(req.position));
      return {};
    },
    async redeliverDeadLetters(req, ctx: HandlerContext) {
      return { count: await redeliverDeadLetters(deps, accessOf(ctx), req.targetId) };
    },
    async replay(req, ctx: HandlerContext) {
      const from = req.from.case === "position" ? { position: position(req.from.value) } : req.from.case === "time" ? { time: timestampDate(req.from.value) } : undefined;
      if (!from) throw invalidArgument("DELIVERY-replay-from-missing", "replay needs a position or a time");
      return { fromPosition: BigInt(await replay(deps, accessOf(ctx), req.targetId, from)) };
    },
  };
}

import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import type {
  CancelScheduledDeactivationRequest,
  GetScheduledDeactivationRequest,
  ScheduleDeactivationRequest,
  SetLifecycleExemptionRequest,
} from "../../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { cancelUserSchedule, readUserSchedule, scheduleUserDeactivation, setUserLifecycleExemption } from "../../commands/lifecycle-schedule.js";
import { invalidArgument } from "../../domain/errors.js";
import { accessOf } from "../context.js";
import { detailsV2, timestamp } from "../convert.js";

/** A user's scheduled deactivation and its exemption from inactivity policies. */
export function scheduleHandlers(deps: Deps) {
  return {
    async scheduleDeactivation(req: ScheduleDeactivationRequest, ctx: HandlerContext) {
      if (!req.deactivateAt) throw invalidArgument("LIFECYCLE-deactivate-at-missing", "deactivate_at is required");
      const input = { deactivateAt: timestampDate(req.deactivateAt), deleteAfterDays: req.deleteAfterDays };
      const { scheduleId, details } = await scheduleUserDeactivation(deps, accessOf(ctx), req.userId, input);
      return { scheduleId, details: detailsV2(details) };
    },
    async cancelScheduledDeactivation(req: CancelScheduledDeactivationRequest, ctx: HandlerContext) {
      return { details: detailsV2(await cancelUserSchedule(deps, accessOf(ctx), req.userId)) };
    },
    async getScheduledDeactivation(req: GetScheduledDeactivationRequest, ctx: HandlerContext) {
      const schedule = await readUserSchedule(deps, accessOf(ctx), req.userId);
      if (!schedule) return {};
      return {
        schedule: {
          scheduleId: schedule.scheduleId,
          deactivateAt: timestamp(schedule.deactivateAt),
          deleteAt: schedule.deleteAt && timestamp(schedule.deleteAt),
          deactivated: schedule.deactivated,
        },
      };
    },
    async setLifecycleExemption(req: SetLifecycleExemptionRequest, ctx: HandlerContext) {
      return { details: detailsV2(await setUserLifecycleExemption(deps, accessOf(ctx), req.userId, req.exempt)) };
    },
  };
}

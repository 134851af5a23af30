import type { ServiceImpl } from "@connectrpc/connect";
import type { LifecyclePolicyService } from "../../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { policyHandlers } from "./policies.js";
import { previewDeactivations } from "./preview-deactivations.js";
import { scheduleHandlers } from "./schedules.js";

/** lifecycle.policy.v1: inactivity policies, their preview, and scheduled deactivations (see the proto). */
export function lifecyclePolicyServiceV1(deps: Deps): ServiceImpl<typeof LifecyclePolicyService> {
  return { ...policyHandlers(deps), ...scheduleHandlers(deps), previewDeactivations: previewDeactivations(deps) };
}

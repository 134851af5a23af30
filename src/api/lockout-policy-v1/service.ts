import type { ServiceImpl } from "@connectrpc/connect";
import type { LockoutPolicyService } from "../../../gen/lifecycle/settings/v1/lockout_policy_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { getLockoutPolicyV1 } from "./get-lockout-policy.js";
import { setLockoutPolicyV1 } from "./set-lockout-policy.js";

export function lockoutPolicyServiceV1(deps: Deps): ServiceImpl<typeof LockoutPolicyService> {
  return { getLockoutPolicy: getLockoutPolicyV1(deps), setLockoutPolicy: setLockoutPolicyV1(deps) };
}

import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { Deps } from "../../commands/deps.js";
import { lockoutPolicyInForce } from "../../commands/lockout-policy.js";
import { detailsV2 } from "../convert.js";

/** The policy in force with its automatic-unlock duration. */
export function getLockoutPolicyV1(deps: Deps) {
  return async () => {
    const { policy, details } = await lockoutPolicyInForce(deps);
    return {
      details: detailsV2(details),
      policy: {
        maxPasswordAttempts: BigInt(policy.maxPasswordAttempts),
        maxOtpAttempts: BigInt(policy.maxOtpAttempts),
        lockoutDuration: policy.lockoutDurationMs ? durationFromMs(policy.lockoutDurationMs) : undefined,
      },
    };
  };
}

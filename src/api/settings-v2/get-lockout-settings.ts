import { ResourceOwnerType } from "../../../gen/zitadel/settings/v2/settings_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { lockoutPolicyInForce } from "../../commands/lockout-policy.js";
import { detailsV2 } from "../convert.js";

/** The policy in force in the platform's shape (details have sequence 0 while the configuration rules). */
export function getLockoutSettingsV2(deps: Deps) {
  return async () => {
    const { policy, details } = await lockoutPolicyInForce(deps);
    return {
      details: detailsV2(details),
      settings: {
        maxPasswordAttempts: BigInt(policy.maxPasswordAttempts),
        maxOtpAttempts: BigInt(policy.maxOtpAttempts),
        resourceOwnerType: ResourceOwnerType.INSTANCE,
      },
    };
  };
}

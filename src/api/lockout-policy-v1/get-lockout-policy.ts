import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { DetailsSchema } from "../../../gen/zitadel/object/v2/object_pb.js";
import { effectiveLockout, INSTANCE_RESOURCE_OWNER } from "../../domain/settings/lockout.js";
import type { Deps } from "../../commands/deps.js";
import { detailsV2 } from "../convert.js";
import { readLockoutSettings } from "../../commands/lockout-policy.js";

/** The policy in force with its automatic-unlock duration: the last SetLockoutPolicy, else the configuration. */
export function getLockoutPolicyV1(deps: Deps) {
  return async () => {
    const { state, first, last } = await readLockoutSettings(deps.store);
    const policy = effectiveLockout(state, deps.lockout);
    const details =
      first && last
        ? detailsV2({ sequence: last.sequence, changeDate: last.createdAt, creationDate: first.createdAt, resourceOwner: last.resourceOwner })
        : create(DetailsSchema, { resourceOwner: INSTANCE_RESOURCE_OWNER });
    return {
      details,
      policy: {
        maxPasswordAttempts: BigInt(policy.maxPasswordAttempts),
        maxOtpAttempts: BigInt(policy.maxOtpAttempts),
        lockoutDuration: policy.lockoutDurationMs ? durationFromMs(policy.lockoutDurationMs) : undefined,
      },
    };
  };
}

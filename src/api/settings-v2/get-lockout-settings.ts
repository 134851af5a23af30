import { create } from "@bufbuild/protobuf";
import { DetailsSchema } from "../../../gen/zitadel/object/v2/object_pb.js";
import { ResourceOwnerType } from "../../../gen/zitadel/settings/v2/settings_service_pb.js";
import { effectiveLockout, INSTANCE_RESOURCE_OWNER } from "../../domain/settings/lockout.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { readLockoutSettings } from "../../commands/lockout-policy.js";

/** The policy in force in the platform's shape: the last SetLockoutPolicy, else the configuration (details then have sequence 0). */
export function getLockoutSettingsV2(deps: Deps) {
  return async () => {
    const { state, first, last } = await readLockoutSettings(deps.store);
    const policy = effectiveLockout(state, deps.lockout);
    const details =
      first && last
        ? detailsV2({ sequence: last.sequence, changeDate: last.createdAt, creationDate: first.createdAt, resourceOwner: last.resourceOwner })
        : create(DetailsSchema, { resourceOwner: INSTANCE_RESOURCE_OWNER });
    return {
      details,
      settings: {
        maxPasswordAttempts: BigInt(policy.maxPasswordAttempts),
        maxOtpAttempts: BigInt(policy.maxOtpAttempts),
        resourceOwnerType: ResourceOwnerType.INSTANCE,
      },
    };
  };
}

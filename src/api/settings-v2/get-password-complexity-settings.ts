import { create } from "@bufbuild/protobuf";
import { DetailsSchema } from "../../../gen/zitadel/object/v2/object_pb.js";
import { ResourceOwnerType } from "../../../gen/zitadel/settings/v2/settings_service_pb.js";
import { INSTANCE_RESOURCE_OWNER } from "../../domain/settings/lockout.js";
import { PASSWORD_COMPLEXITY } from "../../domain/user/password-policy.js";

/** The fixed policy every new password is checked against (it has no events, so details have sequence 0). */
export function getPasswordComplexitySettingsV2() {
  return async () => ({
    details: create(DetailsSchema, { resourceOwner: INSTANCE_RESOURCE_OWNER }),
    settings: {
      minLength: BigInt(PASSWORD_COMPLEXITY.minLength),
      requiresUppercase: PASSWORD_COMPLEXITY.requiresUppercase,
      requiresLowercase: PASSWORD_COMPLEXITY.requiresLowercase,
      requiresNumber: PASSWORD_COMPLEXITY.requiresNumber,
      requiresSymbol: PASSWORD_COMPLEXITY.requiresSymbol,
      resourceOwnerType: ResourceOwnerType.INSTANCE,
    },
  });
}

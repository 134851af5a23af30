import type { ServiceImpl } from "@connectrpc/connect";
import type { SettingsService } from "../../../gen/zitadel/settings/v2/settings_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { getLockoutSettingsV2 } from "./get-lockout-settings.js";
import { getPasswordComplexitySettingsV2 } from "./get-password-complexity-settings.js";

export function settingsServiceV2(deps: Deps): ServiceImpl<typeof SettingsService> {
  return {
    getLockoutSettings: getLockoutSettingsV2(deps),
    getPasswordComplexitySettings: getPasswordComplexitySettingsV2(),
  };
}

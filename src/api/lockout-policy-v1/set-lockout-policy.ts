import type { HandlerContext } from "@connectrpc/connect";
import type { SetLockoutPolicyRequest } from "../../../gen/lifecycle/settings/v1/lockout_policy_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { setLockoutSettings } from "../../commands/lockout-policy.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";

// Larger than any policy needs, and within a JavaScript number.
const MAX = 2n ** 31n - 1n;

function count(field: string, value: bigint): number {
  if (value > MAX) throw invalidArgument(`SETTINGS-${field}-invalid`, `${field} must be at most ${MAX}`);
  return Number(value);
}

export function setLockoutPolicyV1(deps: Deps) {
  return async (req: SetLockoutPolicyRequest, ctx: HandlerContext) => {
    const duration = req.lockoutDuration;
    if (duration && (duration.seconds < 0n || duration.nanos < 0)) {
      throw invalidArgument("SETTINGS-lockout_duration-invalid", "lockout_duration must not be negative");
    }
    const input = {
      maxPasswordAttempts: count("max_password_attempts", req.maxPasswordAttempts),
      maxOtpAttempts: count("max_otp_attempts", req.maxOtpAttempts),
      lockoutDurationMs: duration ? Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6) : null,
    };
    const details = await setLockoutSettings(deps, accessOf(ctx), input);
    return { details: detailsV2(details) };
  };
}

import { randomBytes } from "node:crypto";
import type { HandlerContext } from "@connectrpc/connect";
import type { PasswordResetRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { changeUser } from "../../commands/user.js";
import { failedPrecondition } from "../../domain/errors.js";
import { addPasswordCode } from "../../domain/user/password.js";
import { hashToken } from "../../credentials/tokens.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";

const CODE_LIFETIME_MS = 60 * 60 * 1000;

/** Issues a password code; like every secret, only its hash goes into the event. */
export function passwordResetV2(deps: Deps) {
  return async (req: PasswordResetRequest, ctx: HandlerContext) => {
    if (req.medium.case !== "returnCode") {
      throw failedPrecondition("NOTIFY-no-provider", "No notification provider is configured: ask for return_code");
    }
    const code = randomBytes(12).toString("base64url");
    const now = deps.now();
    const expiry = new Date(now.getTime() + CODE_LIFETIME_MS);
    const details = await changeUser(deps, accessOf(ctx), req.userId, (state) => addPasswordCode(state, hashToken(code), expiry, now));
    return { details: detailsV2(details), verificationCode: code };
  };
}

import type { HandlerContext } from "@connectrpc/connect";
import type { SetPasswordRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { setPassword, type SetPasswordInput } from "../../commands/set-password.js";
import { hashPassword, passwordVerifier } from "../../credentials/passwords.js";
import { hashToken } from "../../credentials/tokens.js";
import { validateUserId } from "../../domain/user/decide.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";

/** SetPassword: the proof is the current password, a password code, or none (an admin). */
export function setPasswordV2(deps: Deps) {
  return async (req: SetPasswordRequest, ctx: HandlerContext) => {
    const userId = validateUserId(req.userId);
    const hash = await hashPassword(req.newPassword?.password ?? "");
    const { verification } = req;
    const proof: SetPasswordInput["proof"] =
      verification.case === "currentPassword"
        ? { kind: "current_password", verify: passwordVerifier(verification.value) }
        : verification.case === "verificationCode"
          ? { kind: "code", codeHash: hashToken(verification.value) }
          : { kind: "none" };
    const details = await setPassword(deps, accessOf(ctx), { userId, hash, changeRequired: req.newPassword?.changeRequired ?? false, proof });
    return { details: detailsV2(details) };
  };
}

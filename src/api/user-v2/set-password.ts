import type { HandlerContext } from "@connectrpc/connect";
import type { SetPasswordRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { validateUserId } from "../../domain/user/decide.js";
import { type PasswordProof, setPassword } from "../../domain/user/password.js";
import { userAggregate } from "../../domain/user/state.js";
import { hashPassword, passwordVerifier } from "../auth/passwords.js";
import { hashToken } from "../auth/tokens.js";
import { accessOf, commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { authorizeOnUser } from "../../commands/user.js";
import { checkPasswordInCommand, liftExpiredLockout } from "../session-v2/password-check.js";
import { loadLockoutPolicy } from "../lockout-policy-v1/lockout-policy.js";

/**
 * Sets a new password (checked against the complexity policy). Proof: the current password (a wrong one
 * counts as a failed attempt under the lockout policy, like a failed login), a password code, or none.
 * A user may change its own password; anyone else needs user.write in the user's organization, whatever
 * the proof, so a stranger cannot even tell whether the user exists.
 */
export function setPasswordV2(deps: Deps) {
  return async (req: SetPasswordRequest, ctx: HandlerContext) => {
    const userId = validateUserId(req.userId);
    const hash = await hashPassword(req.newPassword?.password ?? "");
    const changeRequired = req.newPassword?.changeRequired ?? false;
    const { verification } = req;
    const verify = verification.case === "currentPassword" ? passwordVerifier(verification.value) : undefined;
    const proof: PasswordProof =
      verification.case === "verificationCode" ? { kind: "code", codeHash: hashToken(verification.value) } : { kind: verify ? "current_password" : "none" };

    const access = accessOf(ctx);
    const outcome = await deps.store.run(commandContext(ctx), async (session) => {
      const now = deps.now();
      const policy = await loadLockoutPolicy(session, deps.lockout);
      const user = await session.load(userAggregate, userId);
      authorizeOnUser(access, userId, user.state);
      liftExpiredLockout(session, user, policy, now);
      const rejected = verify ? await checkPasswordInCommand(session, user, verify, policy) : undefined;
      if (rejected) return { rejected };
      return { write: session.append(user, setPassword(user.state, hash, changeRequired, proof, now)) };
    });
    // A wrong current password is reported only after its failed attempt committed.
    if ("rejected" in outcome) throw outcome.rejected;
    return { details: detailsV2(outcome.write.details()) };
  };
}

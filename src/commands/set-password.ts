import { validateUserId } from "../domain/user/decide.js";
import { type PasswordProof, setPassword as decideSetPassword } from "../domain/user/password.js";
import { userAggregate } from "../domain/user/state.js";
import type { ObjectDetails } from "../eventstore/types.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import { loadLockoutPolicy } from "./lockout-policy.js";
import { checkPasswordInCommand, liftExpiredLockout } from "./password-check.js";
import { authorizeOnUser } from "./user.js";

export interface SetPasswordInput {
  userId: string;
  /** The new password's hash (hashed before the command, so a retry does not hash again). */
  hash: string;
  changeRequired: boolean;
  /** How the caller proves it may: a check of the current password, a code's hash, or nothing (an admin). */
  proof: { kind: "current_password"; verify: (hash: string) => Promise<boolean> } | Exclude<PasswordProof, { kind: "current_password" }>;
}

/**
 * Sets a new password. A wrong current password counts as a failed attempt under the lockout policy, like a
 * failed login, and is reported only after that attempt committed. A user may change its own password;
 * anyone else needs user.write in the user's organization, whatever the proof, so a stranger cannot even
 * tell whether the user exists.
 */
export async function setPassword(deps: Pick<Deps, "store" | "now" | "lockout">, access: Access, input: SetPasswordInput): Promise<ObjectDetails> {
  const userId = validateUserId(input.userId);
  const { proof } = input;
  const outcome = await deps.store.run({ creator: access.principal.userId }, async (session) => {
    const now = deps.now();
    const policy = await loadLockoutPolicy(session, deps.lockout);
    const user = await session.load(userAggregate, userId);
    authorizeOnUser(access, userId, user.state);
    liftExpiredLockout(session, user, policy, now);
    const rejected = proof.kind === "current_password" ? await checkPasswordInCommand(session, user, proof.verify, policy) : undefined;
    if (rejected) return { rejected };
    const domainProof: PasswordProof = proof.kind === "current_password" ? { kind: "current_password" } : proof;
    return { write: session.append(user, decideSetPassword(user.state, input.hash, input.changeRequired, domainProof, now)) };
  });
  if ("rejected" in outcome) throw outcome.rejected;
  return outcome.write.details();
}

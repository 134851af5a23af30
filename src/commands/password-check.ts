import { type DomainError, failedPrecondition } from "../domain/errors.js";
import type { LockoutPolicy } from "../domain/settings/lockout.js";
import { checkPassword, expireLockout, passwordHolder, passwordRejection } from "../domain/user/password.js";
import type { UserState } from "../domain/user/state.js";
import type { CommandSession, LoadedAggregate } from "../eventstore/event-store.js";
import { isVerifiableHash, UNMATCHABLE_HASH } from "../credentials/passwords.js";

/** Queues `user.unlocked {lockout_expired}` when a policy lock has outlived the lockout duration. */
export function liftExpiredLockout(session: CommandSession, user: LoadedAggregate<UserState>, policy: LockoutPolicy, now: Date): void {
  const events = expireLockout(user.state, policy, now);
  if (events.length > 0) session.append(user, events);
}

/**
 * Checks a password inside a command attempt and queues the outcome on the user's stream (a failure that
 * reaches the limit queues the lock too). Returns the error to raise AFTER the commit on a wrong password:
 * the failed attempt must be recorded, so it cannot be thrown from inside the command.
 */
export async function checkPasswordInCommand(
  session: CommandSession,
  user: LoadedAggregate<UserState>,
  verify: (hash: string) => Promise<boolean>,
  policy: LockoutPolicy,
): Promise<DomainError | undefined> {
  const { passwordHash } = passwordHolder(user.state);
  if (passwordHash && !isVerifiableHash(passwordHash)) {
    throw failedPrecondition("USER-password-hash-unsupported", "The user's imported password hash can't be verified by this server");
  }
  // A user without a password is checked against a hash nothing matches: the same time, the same failure.
  const verified = await verify(passwordHash ?? UNMATCHABLE_HASH);
  session.append(user, checkPassword(user.state, verified, policy));
  return verified ? undefined : passwordRejection(user.state, policy);
}

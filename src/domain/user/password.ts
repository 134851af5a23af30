import type { LockoutPolicy } from "../settings/lockout.js";
import { DomainError, failedPrecondition, invalidArgument } from "../errors.js";
import { existingUser } from "./decide.js";
import type { UserEvent } from "./events.js";
import type { UserState } from "./state.js";

type Existing = ReturnType<typeof existingUser>;

/**
 * A lock placed by the lockout policy lifts itself once the policy's duration has passed since it was
 * placed; the next command that looks records it. Manual locks never expire. Returns no events otherwise.
 */
export function expireLockout(state: UserState, policy: LockoutPolicy, now: Date): UserEvent[] {
  if (state.status !== "locked" || state.lock?.reason !== "password_attempts" || !policy.lockoutDurationMs) return [];
  if (now.getTime() < state.lock.at.getTime() + policy.lockoutDurationMs) return [];
  return [{ type: "user.unlocked", data: { reason: "lockout_expired" } }];
}

/**
 * A user whose password may be checked: a human who is not locked, inactive or deleted. A user without a
 * password is checked too, and always fails: a guess must not tell whether the account has a password.
 */
export function passwordHolder(state: UserState): Existing & { passwordHash?: string } {
  const user = existingUser(state);
  if (user.kind === "machine") throw failedPrecondition("USER-machine", "Machine users have no password");
  if (user.status === "locked") throw failedPrecondition("USER-locked", "User is locked");
  if (user.status === "inactive") throw failedPrecondition("USER-inactive", "User is inactive");
  return user;
}

/**
 * Records the outcome of a password check (the hash comparison happens outside: it is slow and not pure).
 * A success resets the count; the failure that reaches the policy's limit also locks the user, in the
 * same append, so parallel attempts that conflict on the stream re-decide on the new count.
 */
export function checkPassword(state: UserState, verified: boolean, policy: LockoutPolicy): UserEvent[] {
  const user = passwordHolder(state);
  if (verified && user.passwordHash) return [{ type: "user.password.check.succeeded", data: {} }];
  const failed = (user.failedPasswordAttempts ?? 0) + 1;
  const events: UserEvent[] = [{ type: "user.password.check.failed", data: {} }];
  if (policy.maxPasswordAttempts > 0 && failed >= policy.maxPasswordAttempts) {
    events.push({ type: "user.locked", data: { reason: "password_attempts" } });
  }
  return events;
}

/**
 * The error for a wrong password, judged on the state after the failed check was recorded. The message
 * carries the count and the attempts left in words free of URI-reserved characters, which some gRPC
 * clients (grpc-js) leave percent-encoded.
 */
export function passwordRejection(state: UserState, policy: LockoutPolicy): DomainError {
  const failed = state.status === "absent" ? 0 : (state.failedPasswordAttempts ?? 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const base = `Password is invalid after ${plural(failed, "failed attempt")}`;
  const facts = { failed_attempts: failed, max_password_attempts: policy.maxPasswordAttempts };
  if (policy.maxPasswordAttempts === 0) return invalidArgument("USER-password-invalid", `${base} (no lockout policy)`, facts);
  const locked = state.status === "locked";
  const left = locked ? 0 : Math.max(policy.maxPasswordAttempts - failed, 0);
  const withLeft = { ...facts, attempts_left: left, locked };
  if (locked) return invalidArgument("USER-password-invalid", `${base} with 0 attempts left and the user is now locked`, withLeft);
  return invalidArgument("USER-password-invalid", `${base} with ${plural(left, "attempt")} left`, withLeft);
}

export type PasswordProof =
  | { kind: "none" }
  /** the current password was verified by the caller of this decider */
  | { kind: "current_password" }
  | { kind: "code"; codeHash: string };

/**
 * Sets a new password hash. A code proof must match the latest password code and not be expired; a locked
 * user keeps its lock (only UnlockUser or the lockout duration lifts it).
 */
export function setPassword(state: UserState, hash: string, changeRequired: boolean, proof: PasswordProof, now: Date): UserEvent[] {
  const user = existingUser(state);
  if (user.kind === "machine") throw failedPrecondition("USER-machine", "Machine users have no password");
  if (user.status === "inactive") throw failedPrecondition("USER-inactive", "User is inactive");
  if (proof.kind === "code") {
    const code = user.passwordCode;
    if (!code || code.codeHash !== proof.codeHash) throw invalidArgument("USER-code-invalid", "Verification code is invalid");
    if (code.expiry <= now) throw invalidArgument("USER-code-expired", "Verification code has expired");
  }
  return [{ type: "user.password.changed", data: { hash, changeRequired } }];
}

/** Issues a password code; only its hash is recorded. A new code replaces the previous one. */
export function addPasswordCode(state: UserState, codeHash: string, expiry: Date, now: Date): UserEvent[] {
  const user = existingUser(state);
  if (user.kind === "machine") throw failedPrecondition("USER-machine", "Machine users have no password");
  if (expiry <= now) throw invalidArgument("USER-code-expiry-invalid", "The code's expiry must lie in the future");
  return [{ type: "user.password.code.added", data: { codeHash, expiry: expiry.toISOString() } }];
}

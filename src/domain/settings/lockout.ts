import type { Aggregate, DomainEvent, StoredEvent } from "../../eventstore/types.js";
import { failedPrecondition, invalidArgument } from "../errors.js";

/** When wrong passwords lock a user, and whether such a lock lifts itself. */
export interface LockoutPolicy {
  /** 0 = wrong passwords never lock */
  maxPasswordAttempts: number;
  /** stored for the settings API; no OTP factor exists yet */
  maxOtpAttempts: number;
  /** a lock placed by this policy lifts itself after this long; null = only UnlockUser lifts it */
  lockoutDurationMs: number | null;
}

export const NO_LOCKOUT: LockoutPolicy = { maxPasswordAttempts: 0, maxOtpAttempts: 0, lockoutDurationMs: null };

export type LockoutSettingsEvent = DomainEvent<"settings.lockout.set", LockoutPolicy>;

/** Absent until an admin sets the policy; the server's configuration applies meanwhile. */
export interface LockoutSettingsState {
  policy?: LockoutPolicy;
}

/** The instance's lockout settings live in one stream of their own. */
export const LOCKOUT_SETTINGS_ID = "lockout";
/** Resource owner of instance-level settings events. */
export const INSTANCE_RESOURCE_OWNER = "instance";

export const lockoutSettingsAggregate: Aggregate<LockoutSettingsState, LockoutSettingsEvent> = {
  type: "settings",
  initialState: () => ({}),
  evolve: (state, event: StoredEvent<LockoutSettingsEvent>) =>
    event.type === "settings.lockout.set" ? { policy: { ...event.data } } : state,
};

export function effectiveLockout(state: LockoutSettingsState, configured: LockoutPolicy | undefined): LockoutPolicy {
  return state.policy ?? configured ?? NO_LOCKOUT;
}

const MAX_COUNT = 2 ** 31 - 1;

function count(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_COUNT) {
    throw invalidArgument(`SETTINGS-${field}-invalid`, `${field} must be between 0 and ${MAX_COUNT}`);
  }
  return value;
}

export function setLockoutSettings(state: LockoutSettingsState, input: LockoutPolicy): LockoutSettingsEvent[] {
  const policy: LockoutPolicy = {
    maxPasswordAttempts: count("max_password_attempts", input.maxPasswordAttempts),
    maxOtpAttempts: count("max_otp_attempts", input.maxOtpAttempts),
    lockoutDurationMs: input.lockoutDurationMs || null,
  };
  if (policy.lockoutDurationMs !== null && policy.lockoutDurationMs < 0) {
    throw invalidArgument("SETTINGS-lockout_duration-invalid", "lockout_duration must not be negative");
  }
  const current = state.policy;
  if (
    current &&
    current.maxPasswordAttempts === policy.maxPasswordAttempts &&
    current.maxOtpAttempts === policy.maxOtpAttempts &&
    current.lockoutDurationMs === policy.lockoutDurationMs
  ) {
    throw failedPrecondition("SETTINGS-lockout-unchanged", "The lockout settings are already set to these values");
  }
  return [{ type: "settings.lockout.set", data: policy }];
}

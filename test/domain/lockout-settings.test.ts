import { describe, expect, it } from "vitest";
import { effectiveLockout, type LockoutSettingsEvent, lockoutSettingsAggregate, NO_LOCKOUT, setLockoutSettings } from "../../src/domain/settings/lockout.js";
import { given } from "./given.js";

const policy = { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: 900_000 };
const set: LockoutSettingsEvent = { type: "settings.lockout.set", data: policy };

describe("lockout settings", () => {
  it("sets the policy", () => given(lockoutSettingsAggregate).when((s) => setLockoutSettings(s, policy)).then([set]));
  it("replaces a policy with a different one", () =>
    given(lockoutSettingsAggregate, set).when((s) => setLockoutSettings(s, { ...policy, maxPasswordAttempts: 5 })).then([{ type: "settings.lockout.set", data: { ...policy, maxPasswordAttempts: 5 } }]));
  it("records a duration of 0 as none: only UnlockUser lifts the lock", () =>
    given(lockoutSettingsAggregate).when((s) => setLockoutSettings(s, { ...policy, lockoutDurationMs: 0 })).then([{ type: "settings.lockout.set", data: { ...policy, lockoutDurationMs: null } }]));
  it("refuses the same values again: SETTINGS-lockout-unchanged", () => given(lockoutSettingsAggregate, set).when((s) => setLockoutSettings(s, policy)).thenRefuses("failed_precondition", "SETTINGS-lockout-unchanged"));
  it.each([
    ["SETTINGS-max_password_attempts-invalid", { ...policy, maxPasswordAttempts: -1 }],
    ["SETTINGS-max_password_attempts-invalid", { ...policy, maxPasswordAttempts: 2 ** 31 }],
    ["SETTINGS-max_otp_attempts-invalid", { ...policy, maxOtpAttempts: 1.5 }],
    ["SETTINGS-lockout_duration-invalid", { ...policy, lockoutDurationMs: -1 }],
  ])("refuses %s", (id, input) => given(lockoutSettingsAggregate).when((s) => setLockoutSettings(s, input)).thenRefuses("invalid_argument", id));
  it("applies the set policy over the configured one, the configured one over none", () => {
    const configured = { ...policy, maxPasswordAttempts: 9 };
    expect(effectiveLockout(given(lockoutSettingsAggregate, set).state, configured)).toEqual(policy);
    expect(effectiveLockout(given(lockoutSettingsAggregate).state, configured)).toEqual(configured);
    expect(effectiveLockout(given(lockoutSettingsAggregate).state, undefined)).toEqual(NO_LOCKOUT);
  });
});

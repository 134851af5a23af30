import { describe, expect, it } from "vitest";
import { parseCount, parseDuration } from "../../src/domain/settings/parse.js";
import { NO_LOCKOUT, setLockoutSettings } from "../../src/domain/settings/lockout.js";
import { requireLoginAllowed } from "../../src/domain/session/decide.js";
import type { OrgState } from "../../src/domain/org/state.js";
import { checkPassword, expireLockout, passwordRejection } from "../../src/domain/user/password.js";
import { checkPasswordComplexity } from "../../src/domain/user/password-policy.js";
import { evolveUser, type UserState } from "../../src/domain/user/state.js";
import type { UserEvent } from "../../src/domain/user/events.js";
import type { StoredEvent } from "../../src/eventstore/types.js";

const policy = { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: 60_000 };
const at = new Date("2030-01-01T00:00:00Z");
const human = (extra: Partial<Extract<UserState, { kind: string }>> = {}): UserState => ({
  status: "active",
  kind: "human",
  orgId: "o1",
  username: "ada",
  passwordHash: "scrypt$…",
  failedPasswordAttempts: 0,
  ...extra,
});
const fold = (state: UserState, events: UserEvent[], createdAt = at) =>
  events.reduce((s, e, i) => evolveUser(s, { ...e, aggregateType: "user", aggregateId: "u1", sequence: i + 2, position: i + 2, createdAt, creator: "t", resourceOwner: "o1" } as StoredEvent<UserEvent>), state);
const activeOrg: OrgState = { status: "active", name: "acme", primaryDomain: "acme.localhost", members: {} };

describe("password check decider", () => {
  it("given two failures, when the third fails, then it records the failure and the lock together", () => {
    const events = checkPassword(human({ failedPasswordAttempts: 2 }), false, policy);
    expect(events).toEqual([{ type: "user.password.check.failed", data: {} }, { type: "user.locked", data: { reason: "password_attempts" } }]);
    const after = fold(human({ failedPasswordAttempts: 2 }), events);
    expect(after).toMatchObject({ status: "locked", failedPasswordAttempts: 3, lock: { reason: "password_attempts", at } });
    expect(passwordRejection(after, policy).message).toBe("Password is invalid after 3 failed attempts with 0 attempts left and the user is now locked");
  });

  it("given a limit of 0, never locks", () => {
    expect(checkPassword(human({ failedPasswordAttempts: 99 }), false, NO_LOCKOUT)).toEqual([{ type: "user.password.check.failed", data: {} }]);
  });

  it("given failures, a success, an unlock or a new password resets the count", () => {
    const failed = human({ failedPasswordAttempts: 2 });
    expect(fold(failed, checkPassword(failed, true, policy))).toMatchObject({ failedPasswordAttempts: 0 });
    expect(fold(human({ status: "locked", failedPasswordAttempts: 3 }), [{ type: "user.unlocked", data: { reason: "manual" } }])).toMatchObject({ status: "active", failedPasswordAttempts: 0 });
    expect(fold(failed, [{ type: "user.password.changed", data: { hash: "h2", changeRequired: false } }])).toMatchObject({ failedPasswordAttempts: 0, passwordHash: "h2" });
  });

  it("refuses to check a locked, inactive or machine user; a password-less user always fails the check, counted", () => {
    expect(() => checkPassword(human({ status: "locked" }), true, policy)).toThrow(expect.objectContaining({ id: "USER-locked" }));
    expect(() => checkPassword(human({ status: "inactive" }), true, policy)).toThrow(expect.objectContaining({ id: "USER-inactive" }));
    expect(() => checkPassword(human({ kind: "machine" }), true, policy)).toThrow(expect.objectContaining({ id: "USER-machine" }));
    expect(checkPassword(human({ passwordHash: undefined }), true, policy)).toEqual([{ type: "user.password.check.failed", data: {} }]);
  });
});

describe("lockout expiry decider", () => {
  const locked = fold(human(), [{ type: "user.locked", data: { reason: "password_attempts" } }]);
  it("lifts a policy lock exactly when the duration has passed", () => {
    expect(expireLockout(locked, policy, new Date(at.getTime() + 59_999))).toEqual([]);
    expect(expireLockout(locked, policy, new Date(at.getTime() + 60_000))).toEqual([{ type: "user.unlocked", data: { reason: "lockout_expired" } }]);
  });
  it("never lifts a manual lock, nor any lock without a duration", () => {
    const manual = fold(human(), [{ type: "user.locked", data: { reason: "manual" } }]);
    expect(expireLockout(manual, policy, new Date(at.getTime() + 10 ** 10))).toEqual([]);
    expect(expireLockout(locked, { ...policy, lockoutDurationMs: null }, new Date(at.getTime() + 10 ** 10))).toEqual([]);
  });
});

describe("login rules", () => {
  it("allows ACTIVE users and INITIAL users with a password of an ACTIVE org only", () => {
    expect(() => requireLoginAllowed(human(), activeOrg)).not.toThrow();
    expect(() => requireLoginAllowed(human({ status: "initial" }), activeOrg)).not.toThrow();
    expect(() => requireLoginAllowed(human({ status: "initial", passwordHash: undefined }), activeOrg)).toThrow(expect.objectContaining({ id: "USER-initial" }));
    // With a password presented, the password check answers instead, as for any wrong password.
    expect(() => requireLoginAllowed(human({ status: "initial", passwordHash: undefined }), activeOrg, true)).not.toThrow();
    expect(() => requireLoginAllowed(human(), { ...activeOrg, status: "inactive" })).toThrow(expect.objectContaining({ id: "ORG-inactive" }));
    expect(() => requireLoginAllowed(human(), { ...activeOrg, status: "removed" })).toThrow(expect.objectContaining({ id: "ORG-removed" }));
    expect(() => requireLoginAllowed(human({ status: "deleted" }), activeOrg)).toThrow(expect.objectContaining({ kind: "not_found" }));
  });
});

describe("settings and configuration", () => {
  it("refuses to set the policy it already has", () => {
    const state = { policy };
    expect(() => setLockoutSettings(state, policy)).toThrow(expect.objectContaining({ id: "SETTINGS-lockout-unchanged" }));
    expect(setLockoutSettings(state, { ...policy, maxPasswordAttempts: 5 })).toHaveLength(1);
  });
  it("parses durations and counts from the environment, refusing nonsense", () => {
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("")).toBeUndefined();
    expect(() => parseDuration("15 minutes")).toThrow();
    expect(parseCount("3")).toBe(3);
    expect(() => parseCount("-1")).toThrow();
  });
  it("checks every complexity rule", () => {
    expect(() => checkPasswordComplexity("Aa1!aaaa")).not.toThrow();
    expect(() => checkPasswordComplexity("Aa1!aaa")).toThrow(expect.objectContaining({ id: "PASSWORD-too-short" }));
    expect(() => checkPasswordComplexity("aa1!aaaa")).toThrow(expect.objectContaining({ id: "PASSWORD-no-uppercase" }));
    expect(() => checkPasswordComplexity("Aa1aaaaa")).toThrow(expect.objectContaining({ id: "PASSWORD-no-symbol" }));
  });
});

import { describe, it } from "vitest";
import { addHumanUser, addMachineUser, type NewHuman } from "../../src/domain/user/create.js";
import { deactivateUser, lockUser, reactivateUser, removeUser, unlockUser, validateUserId } from "../../src/domain/user/decide.js";
import type { UserEvent } from "../../src/domain/user/events.js";
import { addPasswordCode, checkPassword, expireLockout, setPassword } from "../../src/domain/user/password.js";
import { setScimAttributes } from "../../src/domain/user/scim.js";
import { userAggregate } from "../../src/domain/user/state.js";
import { addPersonalAccessToken } from "../../src/domain/user/tokens.js";
import { AT, given } from "./given.js";

const human: NewHuman = { username: "ada", profile: { givenName: "Ada", familyName: "Lovelace" }, email: { address: "ada@example.com", verified: true } };
const humanAdded: UserEvent = { type: "user.human.added", data: human };
const withPassword: UserEvent = { type: "user.human.added", data: { ...human, passwordHash: "hash-1" } };
const unverified: UserEvent = { type: "user.human.added", data: { ...human, email: { address: "ada@example.com", verified: false } } };
const machineAdded: UserEvent = { type: "user.machine.added", data: { username: "bot", name: "Bot", description: "" } };
const deactivated: UserEvent = { type: "user.deactivated", data: {} };
const locked: UserEvent = { type: "user.locked", data: { reason: "manual" } };
const policyLocked: UserEvent = { type: "user.locked", data: { reason: "password_attempts" } };
const removed: UserEvent = { type: "user.removed", data: { username: "ada" } };
const failed: UserEvent = { type: "user.password.check.failed", data: {} };
const policy = { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: 60_000 };
const later = (ms: number) => new Date(AT.getTime() + ms);

describe("user: create", () => {
  it("adds a human", () => given(userAggregate).when((s) => addHumanUser(s, human)).then([humanAdded]));
  it("adds a machine", () => given(userAggregate).when((s) => addMachineUser(s, machineAdded.data as never)).then([machineAdded]));
  it("refuses an id in use: USER-id-taken", () => given(userAggregate, humanAdded).when((s) => addHumanUser(s, human)).thenRefuses("already_exists", "USER-id-taken"));
  it("refuses a machine on an id in use: USER-id-taken", () =>
    given(userAggregate, machineAdded).when((s) => addMachineUser(s, { username: "b", name: "B", description: "" })).thenRefuses("already_exists", "USER-id-taken"));
  it.each([
    ["USER-username-missing", { ...human, username: " " }],
    ["USER-username-too-long", { ...human, username: "u".repeat(201) }],
    ["USER-given_name-missing", { ...human, profile: { ...human.profile, givenName: "" } }],
    ["USER-given_name-too-long", { ...human, profile: { ...human.profile, givenName: "g".repeat(201) } }],
    ["USER-family_name-missing", { ...human, profile: { ...human.profile, familyName: "" } }],
    ["USER-family_name-too-long", { ...human, profile: { ...human.profile, familyName: "f".repeat(201) } }],
    ["USER-preferred_language-too-long", { ...human, profile: { ...human.profile, preferredLanguage: "x".repeat(11) } }],
    ["USER-email-invalid", { ...human, email: { address: "ada@localhost", verified: true } }],
  ] as [string, NewHuman][])("refuses a human: %s", (id, input) => given(userAggregate).when((s) => addHumanUser(s, input)).thenRefuses("invalid_argument", id));
  it.each([
    ["USER-username-missing", { username: "", name: "Bot", description: "" }],
    ["USER-name-missing", { username: "bot", name: " ", description: "" }],
    ["USER-name-too-long", { username: "bot", name: "n".repeat(201), description: "" }],
  ])("refuses a machine: %s", (id, input) => given(userAggregate).when((s) => addMachineUser(s, input)).thenRefuses("invalid_argument", id));
  it.each([
    ["USER-id-missing", " "],
    ["USER-id-too-long", "1".repeat(201)],
  ])("refuses a user id: %s", (id, userId) => given(userAggregate).when(() => validateUserId(userId)).thenRefuses("invalid_argument", id));
});

describe("user: lifecycle", () => {
  it("deactivates an active user", () => given(userAggregate, humanAdded).when(deactivateUser).then([deactivated]));
  it("deactivates a locked user", () => given(userAggregate, humanAdded, locked).when(deactivateUser).then([deactivated]));
  it("refuses deactivating twice: USER-already-inactive", () => given(userAggregate, humanAdded, deactivated).when(deactivateUser).thenRefuses("failed_precondition", "USER-already-inactive"));
  it("refuses deactivating an initial user: USER-initial", () => given(userAggregate, unverified).when(deactivateUser).thenRefuses("failed_precondition", "USER-initial"));
  it("reactivates an inactive user", () => given(userAggregate, humanAdded, deactivated).when(reactivateUser).then([{ type: "user.reactivated", data: {} }]));
  it("refuses reactivating an active user: USER-not-inactive", () => given(userAggregate, humanAdded).when(reactivateUser).thenRefuses("failed_precondition", "USER-not-inactive"));
  it("locks an active user, manually", () => given(userAggregate, humanAdded).when(lockUser).then([locked]));
  it("locks an initial user", () => given(userAggregate, unverified).when(lockUser).then([locked]));
  it("refuses locking twice: USER-already-locked", () => given(userAggregate, humanAdded, locked).when(lockUser).thenRefuses("failed_precondition", "USER-already-locked"));
  it("refuses locking an inactive user: USER-inactive", () => given(userAggregate, humanAdded, deactivated).when(lockUser).thenRefuses("failed_precondition", "USER-inactive"));
  it("unlocks a locked user", () => given(userAggregate, humanAdded, locked).when(unlockUser).then([{ type: "user.unlocked", data: { reason: "manual" } }]));
  it("refuses unlocking an unlocked user: USER-not-locked", () => given(userAggregate, humanAdded).when(unlockUser).thenRefuses("failed_precondition", "USER-not-locked"));
  it("removes a user, naming the username it frees", () => given(userAggregate, humanAdded, locked).when(removeUser).then([removed]));
  it.each([
    ["never created", []],
    ["removed", [humanAdded, removed]],
  ] as [string, UserEvent[]][])("answers every command on a user %s with USER-not-found", (_, history) => {
    for (const command of [deactivateUser, reactivateUser, lockUser, unlockUser, removeUser]) given(userAggregate, ...history).when(command).thenRefuses("not_found", "USER-not-found");
  });
});

describe("user: password checks and lockout", () => {
  it("records a right password", () => given(userAggregate, withPassword, failed).when((s) => checkPassword(s, true, policy)).then([{ type: "user.password.check.succeeded", data: {} }]));
  it("records a wrong password below the limit", () => given(userAggregate, withPassword, failed).when((s) => checkPassword(s, false, policy)).then([failed]));
  it("records the wrong password that reaches the limit and the lock together", () =>
    given(userAggregate, withPassword, failed, failed).when((s) => checkPassword(s, false, policy)).then([failed, policyLocked]));
  it("never locks with a limit of 0", () =>
    given(userAggregate, withPassword, failed, failed, failed).when((s) => checkPassword(s, false, { ...policy, maxPasswordAttempts: 0 })).then([failed]));
  it("refuses a check for a machine: USER-machine", () => given(userAggregate, machineAdded).when((s) => checkPassword(s, true, policy)).thenRefuses("failed_precondition", "USER-machine"));
  it("refuses a check for a locked user: USER-locked", () => given(userAggregate, withPassword, locked).when((s) => checkPassword(s, true, policy)).thenRefuses("failed_precondition", "USER-locked"));
  it("refuses a check for an inactive user: USER-inactive", () => given(userAggregate, withPassword, deactivated).when((s) => checkPassword(s, true, policy)).thenRefuses("failed_precondition", "USER-inactive"));
  it("counts a check for a user without a password as a failed attempt, whatever the comparison said", () =>
    given(userAggregate, humanAdded).when((s) => checkPassword(s, true, policy)).then([{ type: "user.password.check.failed", data: {} }]));
  it("refuses a check for an unknown user: USER-not-found", () => given(userAggregate).when((s) => checkPassword(s, true, policy)).thenRefuses("not_found", "USER-not-found"));
  it("lifts a policy lock once the duration has passed", () =>
    given(userAggregate, withPassword, policyLocked).when((s) => expireLockout(s, policy, later(60_000))).then([{ type: "user.unlocked", data: { reason: "lockout_expired" } }]));
  it("keeps a policy lock before the duration has passed", () => given(userAggregate, withPassword, policyLocked).when((s) => expireLockout(s, policy, later(59_999))).thenNothing());
  it("never lifts a manual lock by time", () => given(userAggregate, withPassword, locked).when((s) => expireLockout(s, policy, later(3_600_000))).thenNothing());
  it("never lifts a lock by time without a duration", () =>
    given(userAggregate, withPassword, policyLocked).when((s) => expireLockout(s, { ...policy, lockoutDurationMs: null }, later(3_600_000))).thenNothing());
});

describe("user: setting a password", () => {
  const code: UserEvent = { type: "user.password.code.added", data: { codeHash: "code-hash", expiry: later(60_000).toISOString() } };
  const changed: UserEvent = { type: "user.password.changed", data: { hash: "hash-2", changeRequired: false } };
  it("sets a password with no proof", () => given(userAggregate, withPassword).when((s) => setPassword(s, "hash-2", false, { kind: "none" }, AT)).then([changed]));
  it("sets a password with the latest code before it expires", () =>
    given(userAggregate, withPassword, code).when((s) => setPassword(s, "hash-2", false, { kind: "code", codeHash: "code-hash" }, later(59_999))).then([changed]));
  it("keeps a locked user locked: the change is all it records", () => given(userAggregate, withPassword, locked).when((s) => setPassword(s, "hash-2", false, { kind: "current_password" }, AT)).then([changed]));
  it("refuses another code: USER-code-invalid", () =>
    given(userAggregate, withPassword, code).when((s) => setPassword(s, "hash-2", false, { kind: "code", codeHash: "other" }, AT)).thenRefuses("invalid_argument", "USER-code-invalid"));
  it("refuses a code when none was issued: USER-code-invalid", () =>
    given(userAggregate, withPassword).when((s) => setPassword(s, "hash-2", false, { kind: "code", codeHash: "code-hash" }, AT)).thenRefuses("invalid_argument", "USER-code-invalid"));
  it("refuses a code once used: USER-code-invalid", () =>
    given(userAggregate, withPassword, code, changed).when((s) => setPassword(s, "hash-3", false, { kind: "code", codeHash: "code-hash" }, AT)).thenRefuses("invalid_argument", "USER-code-invalid"));
  it("refuses an expired code: USER-code-expired", () =>
    given(userAggregate, withPassword, code).when((s) => setPassword(s, "hash-2", false, { kind: "code", codeHash: "code-hash" }, later(60_000))).thenRefuses("invalid_argument", "USER-code-expired"));
  it("refuses a machine: USER-machine", () => given(userAggregate, machineAdded).when((s) => setPassword(s, "h", false, { kind: "none" }, AT)).thenRefuses("failed_precondition", "USER-machine"));
  it("refuses an inactive user: USER-inactive", () => given(userAggregate, withPassword, deactivated).when((s) => setPassword(s, "h", false, { kind: "none" }, AT)).thenRefuses("failed_precondition", "USER-inactive"));
  it("issues a code, recording only its hash", () => given(userAggregate, withPassword).when((s) => addPasswordCode(s, "code-hash", later(60_000), AT)).then([code]));
  it("refuses a code for a machine: USER-machine", () => given(userAggregate, machineAdded).when((s) => addPasswordCode(s, "c", later(1), AT)).thenRefuses("failed_precondition", "USER-machine"));
  it("refuses a code that expires at once: USER-code-expiry-invalid", () =>
    given(userAggregate, withPassword).when((s) => addPasswordCode(s, "c", AT, AT)).thenRefuses("invalid_argument", "USER-code-expiry-invalid"));
});

describe("user: personal access tokens", () => {
  const token = { tokenId: "t1", tokenHash: "th", expiration: later(1_000) };
  it("adds a token to a machine", () =>
    given(userAggregate, machineAdded).when((s) => addPersonalAccessToken(s, token, AT)).then([{ type: "user.pat.added", data: { tokenId: "t1", tokenHash: "th", expiration: later(1_000).toISOString() } }]));
  it("adds a token that never expires", () =>
    given(userAggregate, machineAdded).when((s) => addPersonalAccessToken(s, { ...token, expiration: undefined }, AT)).then([{ type: "user.pat.added", data: { tokenId: "t1", tokenHash: "th", expiration: null } }]));
  it("refuses a human: USER-pat-machine-only", () => given(userAggregate, humanAdded).when((s) => addPersonalAccessToken(s, token, AT)).thenRefuses("failed_precondition", "USER-pat-machine-only"));
  it("refuses an expiration in the past: USER-pat-expired", () => given(userAggregate, machineAdded).when((s) => addPersonalAccessToken(s, token, later(1_000))).thenRefuses("invalid_argument", "USER-pat-expired"));
});

describe("user: SCIM attributes", () => {
  it("records what changed", () =>
    given(userAggregate, humanAdded).when((s) => setScimAttributes(s, { givenName: "Augusta", nickName: null })).then([{ type: "user.scim.attributes.set", data: { givenName: "Augusta", nickName: null } }]));
  it("records nothing when nothing changed", () => given(userAggregate, humanAdded).when((s) => setScimAttributes(s, {})).thenNothing());
  it("refuses a machine: USER-scim-machine", () => given(userAggregate, machineAdded).when((s) => setScimAttributes(s, { givenName: "X" })).thenRefuses("invalid_argument", "USER-scim-machine"));
  it("refuses a removed user: USER-not-found", () => given(userAggregate, humanAdded, removed).when((s) => setScimAttributes(s, { givenName: "X" })).thenRefuses("not_found", "USER-not-found"));
  it.each([
    ["USER-given_name-missing", { givenName: " " }],
    ["USER-family_name-missing", { familyName: "" }],
    ["USER-display_name-too-long", { displayName: "d".repeat(201) }],
    ["USER-preferred_language-too-long", { preferredLanguage: "x".repeat(11) }],
    ["USER-email-invalid", { email: "not an address" }],
  ])("refuses %s", (id, changes) => given(userAggregate, humanAdded).when((s) => setScimAttributes(s, changes)).thenRefuses("invalid_argument", id));
});

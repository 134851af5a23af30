import { describe, it } from "vitest";
import type { OrgEvent } from "../../src/domain/org/events.js";
import { orgAggregate, type OrgState } from "../../src/domain/org/state.js";
import { type NewSession, requireLoginAllowed, startSession, terminateSession } from "../../src/domain/session/decide.js";
import type { SessionEvent } from "../../src/domain/session/events.js";
import { sessionAggregate } from "../../src/domain/session/state.js";
import type { UserEvent } from "../../src/domain/user/events.js";
import { userAggregate, type UserState } from "../../src/domain/user/state.js";
import { AT, given } from "./given.js";

const input: NewSession = { userId: "u1", tokenHash: "th", passwordChecked: true, lifetimeMs: 60_000, metadata: { k: "dg==" } };
const added: SessionEvent = {
  type: "session.added",
  data: { userId: "u1", tokenHash: "th", userCheckedAt: AT.toISOString(), passwordCheckedAt: AT.toISOString(), expiration: new Date(AT.getTime() + 60_000).toISOString(), metadata: { k: "dg==" } },
};
const terminated: SessionEvent = { type: "session.terminated", data: {} };

describe("session: start and terminate", () => {
  it("starts a session with a password factor and an expiration", () => given(sessionAggregate).when((s) => startSession(s, input, AT)).then([added]));
  it("starts a user-check-only session that never expires", () =>
    given(sessionAggregate)
      .when((s) => startSession(s, { ...input, passwordChecked: false, lifetimeMs: undefined }, AT))
      .then([{ type: "session.added", data: { ...added.data, passwordCheckedAt: null, expiration: null } } as SessionEvent]));
  it("refuses an id in use: SESSION-id-taken", () => given(sessionAggregate, added).when((s) => startSession(s, input, AT)).thenRefuses("already_exists", "SESSION-id-taken"));
  it("refuses a lifetime of 0: SESSION-lifetime-invalid", () => given(sessionAggregate).when((s) => startSession(s, { ...input, lifetimeMs: 0 }, AT)).thenRefuses("invalid_argument", "SESSION-lifetime-invalid"));
  it("refuses 51 metadata entries: SESSION-metadata-too-large", () =>
    given(sessionAggregate)
      .when((s) => startSession(s, { ...input, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ""])) }, AT))
      .thenRefuses("invalid_argument", "SESSION-metadata-too-large"));
  it("refuses an empty metadata key: SESSION-metadata-key-invalid", () =>
    given(sessionAggregate).when((s) => startSession(s, { ...input, metadata: { "": "x" } }, AT)).thenRefuses("invalid_argument", "SESSION-metadata-key-invalid"));
  it("terminates an active session", () => given(sessionAggregate, added).when(terminateSession).then([terminated]));
  it("refuses terminating twice: SESSION-not-found", () => given(sessionAggregate, added, terminated).when(terminateSession).thenRefuses("not_found", "SESSION-not-found"));
  it("refuses terminating an unknown session: SESSION-not-found", () => given(sessionAggregate).when(terminateSession).thenRefuses("not_found", "SESSION-not-found"));
});

describe("session: who may log in", () => {
  const human = { username: "ada", profile: { givenName: "Ada", familyName: "L" }, email: { address: "ada@example.com", verified: false } };
  const withPassword: UserEvent = { type: "user.human.added", data: { ...human, passwordHash: "h" } };
  const initial: UserEvent = { type: "user.human.added", data: human };
  const machine: UserEvent = { type: "user.machine.added", data: { username: "bot", name: "Bot", description: "" } };
  const orgAdded: OrgEvent = { type: "org.added", data: { name: "acme", primaryDomain: "acme.localhost" } };
  const activeOrg = given(orgAggregate, orgAdded).state;
  const loginOf = (org: OrgState = activeOrg) => (user: UserState) => requireLoginAllowed(user, org);

  it("lets an active human with a password in", () => given(userAggregate, withPassword).when(loginOf()).then(undefined));
  it("refuses a machine: USER-machine", () => given(userAggregate, machine).when(loginOf()).thenRefuses("failed_precondition", "USER-machine"));
  it("refuses a locked user: USER-locked", () => given(userAggregate, withPassword, { type: "user.locked", data: { reason: "manual" } }).when(loginOf()).thenRefuses("failed_precondition", "USER-locked"));
  it("refuses an inactive user: USER-inactive", () => given(userAggregate, withPassword, { type: "user.deactivated", data: {} }).when(loginOf()).thenRefuses("failed_precondition", "USER-inactive"));
  it("refuses an initial user without a password: USER-initial", () => given(userAggregate, initial).when(loginOf()).thenRefuses("failed_precondition", "USER-initial"));
  it("refuses a removed user: USER-not-found", () => given(userAggregate, withPassword, { type: "user.removed", data: { username: "ada" } }).when(loginOf()).thenRefuses("not_found", "USER-not-found"));
  it("refuses a user of an inactive organization: ORG-inactive", () =>
    given(userAggregate, withPassword).when(loginOf(given(orgAggregate, orgAdded, { type: "org.deactivated", data: {} }).state)).thenRefuses("failed_precondition", "ORG-inactive"));
  it("refuses a user of a removed organization: ORG-removed", () =>
    given(userAggregate, withPassword).when(loginOf(given(orgAggregate, orgAdded, { type: "org.removed", data: { name: "acme" } }).state)).thenRefuses("failed_precondition", "ORG-removed"));
});

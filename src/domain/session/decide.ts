import { alreadyExists, failedPrecondition, invalidArgument, notFound } from "../errors.js";
import type { OrgState } from "../org/state.js";
import { existingUser } from "../user/decide.js";
import type { UserState } from "../user/state.js";
import type { SessionEvent } from "./events.js";
import type { SessionState } from "./state.js";

/**
 * Whether the user may get a session at all, judged on the user's and the organization's state together:
 * no session for a machine, a LOCKED or INACTIVE user, an INITIAL user without a password, or a user of an
 * organization that is not ACTIVE. Unknown and deleted users are NotFound. When a password is presented,
 * a user without one is left to the password check, which fails it like any wrong password.
 */
export function requireLoginAllowed(user: UserState, org: OrgState, passwordPresented = false): void {
  const existing = existingUser(user);
  if (existing.kind === "machine") throw failedPrecondition("USER-machine", "Machine users can't log in with a session");
  if (existing.status === "locked") throw failedPrecondition("USER-locked", "User is locked");
  if (existing.status === "inactive") throw failedPrecondition("USER-inactive", "User is inactive");
  if (existing.status === "initial" && !existing.passwordHash && !passwordPresented) {
    throw failedPrecondition("USER-initial", "User is not initialized: it has no password yet");
  }
  if (org.status === "inactive") throw failedPrecondition("ORG-inactive", "The user's organization is inactive");
  if (org.status !== "active") throw failedPrecondition("ORG-removed", "The user's organization is removed");
}

export interface NewSession {
  userId: string;
  tokenHash: string;
  passwordChecked: boolean;
  lifetimeMs: number | undefined;
  metadata: Record<string, string>;
}

const MAX_METADATA_ENTRIES = 50;

export function startSession(state: SessionState, input: NewSession, now: Date): SessionEvent[] {
  if (state.status !== "absent") throw alreadyExists("SESSION-id-taken", "a session with this id already exists");
  if (input.lifetimeMs !== undefined && input.lifetimeMs <= 0) {
    throw invalidArgument("SESSION-lifetime-invalid", "lifetime must be positive");
  }
  const keys = Object.keys(input.metadata);
  if (keys.length > MAX_METADATA_ENTRIES) throw invalidArgument("SESSION-metadata-too-large", `at most ${MAX_METADATA_ENTRIES} metadata entries`);
  if (keys.some((key) => key.length === 0 || key.length > 200)) {
    throw invalidArgument("SESSION-metadata-key-invalid", "metadata keys must be 1..200 characters");
  }
  const at = now.toISOString();
  return [
    {
      type: "session.added",
      data: {
        userId: input.userId,
        tokenHash: input.tokenHash,
        userCheckedAt: at,
        passwordCheckedAt: input.passwordChecked ? at : null,
        expiration: input.lifetimeMs === undefined ? null : new Date(now.getTime() + input.lifetimeMs).toISOString(),
        metadata: input.metadata,
      },
    },
  ];
}

/** Deleted sessions do not exist: deleting one twice is NotFound, like any unknown session. */
export function terminateSession(state: SessionState): SessionEvent[] {
  if (state.status !== "active") throw notFound("SESSION-not-found", "Session could not be found");
  return [{ type: "session.terminated", data: {} }];
}

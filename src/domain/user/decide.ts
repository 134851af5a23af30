import { failedPrecondition, invalidArgument, notFound } from "../errors.js";
import type { DeactivationReason, UserEvent } from "./events.js";
import type { UserState, UserStatus } from "./state.js";

type Existing = Extract<UserState, { kind: string }>;

/** Unknown and deleted users do not exist for any command. */
export function existingUser(state: UserState): Existing {
  if (state.status === "absent" || state.status === "deleted") {
    throw notFound("USER-not-found", "User could not be found");
  }
  return state;
}

/** User ids are path parameters and event stream keys: 1..200 characters. */
export function validateUserId(userId: string): string {
  if (userId.trim().length === 0) throw invalidArgument("USER-id-missing", "user id must not be empty");
  if (userId.length > 200) throw invalidArgument("USER-id-too-long", "user id must be at most 200 characters");
  return userId;
}

function refuse(status: UserStatus, reasons: Partial<Record<UserStatus, [string, string]>>, fallback: [string, string]) {
  const [id, message] = reasons[status] ?? fallback;
  return failedPrecondition(id, message);
}

/** A person's deactivation has no reason; a background job's names its policy or schedule. */
export function deactivateUser(state: UserState, reason: DeactivationReason = {}): UserEvent[] {
  const user = existingUser(state);
  if (user.status === "active" || user.status === "locked") return [{ type: "user.deactivated", data: reason }];
  throw refuse(
    user.status,
    {
      inactive: ["USER-already-inactive", "User is already inactive"],
      initial: ["USER-initial", "Can't deactivate initial user"],
    },
    ["USER-not-deactivatable", "User can't be deactivated"],
  );
}

export function reactivateUser(state: UserState): UserEvent[] {
  const user = existingUser(state);
  if (user.status === "inactive") return [{ type: "user.reactivated", data: {} }];
  throw failedPrecondition("USER-not-inactive", "User is not inactive");
}

export function lockUser(state: UserState): UserEvent[] {
  const user = existingUser(state);
  if (user.status === "active" || user.status === "initial") return [{ type: "user.locked", data: { reason: "manual" } }];
  throw refuse(
    user.status,
    { locked: ["USER-already-locked", "User is already locked"], inactive: ["USER-inactive", "Can't lock inactive user"] },
    ["USER-not-lockable", "User can't be locked"],
  );
}

export function unlockUser(state: UserState): UserEvent[] {
  const user = existingUser(state);
  if (user.status === "locked") return [{ type: "user.unlocked", data: { reason: "manual" } }];
  throw failedPrecondition("USER-not-locked", "User is not locked");
}

export function removeUser(state: UserState): UserEvent[] {
  const user = existingUser(state);
  return [{ type: "user.removed", data: { username: user.username } }];
}

import type { Aggregate, ClaimOp, StoredEvent } from "../../eventstore/types.js";
import type { UserEvent } from "./events.js";

export type UserStatus = "initial" | "active" | "inactive" | "locked" | "deleted";

/** What login needs to know of a user; all optional, so states built by hand stay valid. */
export interface UserCredentials {
  passwordHash?: string;
  /** consecutive wrong passwords since the last success, unlock or password change */
  failedPasswordAttempts?: number;
  /** why and when the current lock was placed; only while status is "locked" */
  lock?: { reason: "manual" | "password_attempts"; at: Date };
  passwordCode?: { codeHash: string; expiry: Date };
}

/** What the lifecycle jobs need to know of a user; see lifecycle.ts. */
export interface UserLifecycle {
  /** No activity is known after this moment: creation, reactivation or the end of the last activity bucket. */
  activeUntil?: Date;
  /** Marked exempt from inactivity policies. */
  lifecycleExempt?: boolean;
  /** The pending scheduled deactivation; `deactivated` once its first step is done and a deletion remains. */
  schedule?: { id: string; deactivateAt: Date; deleteAt?: Date; deactivated: boolean };
}

export type UserState =
  | { status: "absent" }
  | ({ status: UserStatus; kind: "human" | "machine"; orgId: string; username: string } & UserCredentials & UserLifecycle);

export const initialUserState = (): UserState => ({ status: "absent" });

export function evolveUser(state: UserState, event: StoredEvent<UserEvent>): UserState {
  switch (event.type) {
    case "user.human.added": {
      const ready = event.data.email.verified || event.data.passwordHash !== undefined;
      return {
        status: ready ? "active" : "initial",
        kind: "human",
        orgId: event.resourceOwner,
        username: event.data.username,
        passwordHash: event.data.passwordHash,
        failedPasswordAttempts: 0,
        activeUntil: event.createdAt,
      };
    }
    case "user.machine.added":
      return { status: "active", kind: "machine", orgId: event.resourceOwner, username: event.data.username, activeUntil: event.createdAt };
    default:
      if (state.status === "absent") return state;
  }
  switch (event.type) {
    case "user.deactivated":
      return { ...state, status: "inactive", lock: undefined, schedule: scheduleAfterDeactivation(state.schedule) };
    case "user.locked":
      return { ...state, status: "locked", lock: { reason: event.data.reason ?? "manual", at: event.createdAt } };
    case "user.reactivated":
      // The idle clock starts again, and a pending schedule ends: reactivating is a decision to keep the user.
      return { ...state, status: "active", activeUntil: event.createdAt, schedule: undefined };
    case "user.unlocked":
      return { ...state, status: "active", lock: undefined, failedPasswordAttempts: 0 };
    case "user.removed":
      return { ...state, status: "deleted" };
    case "user.password.changed":
      return { ...state, passwordHash: event.data.hash, failedPasswordAttempts: 0, passwordCode: undefined };
    case "user.password.code.added":
      return { ...state, passwordCode: { codeHash: event.data.codeHash, expiry: new Date(event.data.expiry) } };
    case "user.password.check.succeeded":
      return { ...state, failedPasswordAttempts: 0 };
    case "user.password.check.failed":
      return { ...state, failedPasswordAttempts: (state.failedPasswordAttempts ?? 0) + 1 };
    case "user.activity.recorded":
      return { ...state, activeUntil: new Date(event.data.until) };
    case "user.lifecycle.exemption.set":
      return { ...state, lifecycleExempt: event.data.exempt };
    case "user.deactivation.scheduled": {
      const { scheduleId, deactivateAt, deleteAt } = event.data;
      return { ...state, schedule: { id: scheduleId, deactivateAt: new Date(deactivateAt), deleteAt: deleteAt ? new Date(deleteAt) : undefined, deactivated: false } };
    }
    case "user.deactivation.schedule.cancelled":
      return { ...state, schedule: undefined };
    case "user.deactivation.schedule.skipped":
      return { ...state, schedule: scheduleAfterDeactivation(state.schedule) };
    default:
      return state;
  }
}

/** The state after events a decision has not stored yet, for deciding the next step of the same command. */
export function foldPending(state: UserState, events: readonly UserEvent[], now: Date): UserState {
  return events.reduce<UserState>(
    (current, event, i) => evolveUser(current, { ...event, aggregateType: "user", aggregateId: "", sequence: i + 1, position: 0, createdAt: now, creator: "", resourceOwner: "" } as StoredEvent<UserEvent>),
    state,
  );
}

/** After the deactivation step a schedule lives on only for its deletion. */
function scheduleAfterDeactivation(schedule: UserLifecycle["schedule"]): UserLifecycle["schedule"] {
  return schedule?.deleteAt ? { ...schedule, deactivated: true } : undefined;
}

/** Usernames are unique per organization, case-insensitively. */
export const usernameScope = (orgId: string) => `username:${orgId}`;

function userClaims(event: StoredEvent<UserEvent>, state: UserState): ClaimOp[] {
  switch (event.type) {
    case "user.human.added":
    case "user.machine.added":
      return [{ op: "claim", scope: usernameScope(event.resourceOwner), value: event.data.username.toLowerCase() }];
    case "user.removed":
      return state.status === "absent"
        ? []
        : [{ op: "release", scope: usernameScope(state.orgId), value: event.data.username.toLowerCase() }];
    default:
      return [];
  }
}

export const userAggregate: Aggregate<UserState, UserEvent> = {
  type: "user",
  initialState: initialUserState,
  evolve: evolveUser,
  claims: userClaims,
  // 2: the lifecycle fields (activity, exemption, schedule)
  snapshotVersion: 2,
};

import type { Aggregate, ClaimOp, StoredEvent } from "../../eventstore/types.js";
import type { UserEvent } from "./events.js";

export type UserStatus = "initial" | "active" | "inactive" | "locked" | "deleted";

export type UserState =
  | { status: "absent" }
  | { status: UserStatus; kind: "human" | "machine"; orgId: string; username: string };

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
      };
    }
    case "user.machine.added":
      return { status: "active", kind: "machine", orgId: event.resourceOwner, username: event.data.username };
    default:
      if (state.status === "absent") return state;
  }
  switch (event.type) {
    case "user.deactivated":
      return { ...state, status: "inactive" };
    case "user.locked":
      return { ...state, status: "locked" };
    case "user.reactivated":
    case "user.unlocked":
      return { ...state, status: "active" };
    case "user.removed":
      return { ...state, status: "deleted" };
    default:
      return state;
  }
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
};

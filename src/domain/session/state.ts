import type { Aggregate, StoredEvent } from "../../eventstore/types.js";
import type { SessionEvent } from "./events.js";

export type SessionState = { status: "absent" } | { status: "active" | "terminated"; userId: string; tokenHash: string };

export function evolveSession(state: SessionState, event: StoredEvent<SessionEvent>): SessionState {
  switch (event.type) {
    case "session.added":
      return { status: "active", userId: event.data.userId, tokenHash: event.data.tokenHash };
    case "session.terminated":
      return state.status === "absent" ? state : { ...state, status: "terminated" };
    default:
      return state;
  }
}

export const sessionAggregate: Aggregate<SessionState, SessionEvent> = {
  type: "session",
  initialState: () => ({ status: "absent" }),
  evolve: evolveSession,
};

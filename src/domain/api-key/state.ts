import type { Aggregate, StoredEvent } from "../../eventstore/types.js";
import type { ApiKeyEvent } from "./events.js";

export type ApiKeyState = { status: "absent" } | { status: "active" | "revoked"; name: string; orgId?: string };

export function evolveApiKey(state: ApiKeyState, event: StoredEvent<ApiKeyEvent>): ApiKeyState {
  switch (event.type) {
    case "api_key.added":
      return { status: "active", name: event.data.name, orgId: event.data.orgId };
    case "api_key.revoked":
      return state.status === "absent" ? state : { ...state, status: "revoked" };
    default:
      return state;
  }
}

export const apiKeyAggregate: Aggregate<ApiKeyState, ApiKeyEvent> = {
  type: "api_key",
  initialState: () => ({ status: "absent" }),
  evolve: evolveApiKey,
};

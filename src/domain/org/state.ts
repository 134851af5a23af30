import type { Aggregate, ClaimOp, StoredEvent } from "../../eventstore/types.js";
import type { OrgEvent } from "./events.js";

export type OrgState =
  | { status: "absent" }
  | { status: "active" | "inactive" | "removed"; name: string; primaryDomain: string; members: Record<string, string[]> };

export const ORG_NAME_SCOPE = "org_name";
/** Primary domains are unique too: a request may name an organization by its domain. */
export const ORG_DOMAIN_SCOPE = "org_domain";

export function evolveOrg(state: OrgState, event: StoredEvent<OrgEvent>): OrgState {
  if (event.type === "org.added") return { status: "active", name: event.data.name, primaryDomain: event.data.primaryDomain, members: {} };
  if (state.status === "absent") return state;
  switch (event.type) {
    case "org.deactivated":
      return { ...state, status: "inactive" };
    case "org.reactivated":
      return { ...state, status: "active" };
    case "org.removed":
      return { ...state, status: "removed" };
    case "org.member.added":
      return { ...state, members: { ...state.members, [event.data.userId]: event.data.roles } };
    default:
      return state;
  }
}

function orgClaims(event: StoredEvent<OrgEvent>, state: OrgState): ClaimOp[] {
  switch (event.type) {
    case "org.added":
      return [
        { op: "claim", scope: ORG_NAME_SCOPE, value: event.data.name.toLowerCase() },
        { op: "claim", scope: ORG_DOMAIN_SCOPE, value: event.data.primaryDomain },
      ];
    case "org.removed": {
      const domain = state.status === "absent" ? [] : [{ op: "release" as const, scope: ORG_DOMAIN_SCOPE, value: state.primaryDomain }];
      return [{ op: "release", scope: ORG_NAME_SCOPE, value: event.data.name.toLowerCase() }, ...domain];
    }
    default:
      return [];
  }
}

export const orgAggregate: Aggregate<OrgState, OrgEvent> = {
  type: "org",
  initialState: () => ({ status: "absent" }),
  evolve: evolveOrg,
  claims: orgClaims,
};

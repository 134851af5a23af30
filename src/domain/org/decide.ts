import { alreadyExists, failedPrecondition, invalidArgument, notFound } from "../errors.js";
import type { OrgEvent } from "./events.js";
import type { OrgState } from "./state.js";

/** Roles an organization membership may hold. */
export const ORG_ROLES = ["ORG_OWNER", "ORG_USER_MANAGER", "ADMIN"] as const;

type Existing = Extract<OrgState, { name: string }>;

export function existingOrg(state: OrgState): Existing {
  if (state.status === "absent" || state.status === "removed") throw notFound("ORG-not-found", "Organization not found");
  return state;
}

/** "ACME Corp." -> "acme-corp.localhost": the org's generated primary domain. */
export function primaryDomainFor(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "org";
  return `${label}.localhost`;
}

export function addOrg(state: OrgState, name: string): OrgEvent[] {
  if (state.status !== "absent") throw alreadyExists("ORG-id-taken", "an organization with this id already exists");
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalidArgument("ORG-name-missing", "name must not be empty");
  if (trimmed.length > 200) throw invalidArgument("ORG-name-too-long", "name must be at most 200 characters");
  return [{ type: "org.added", data: { name: trimmed, primaryDomain: primaryDomainFor(trimmed) } }];
}

export function deactivateOrg(state: OrgState): OrgEvent[] {
  const org = existingOrg(state);
  if (org.status === "active") return [{ type: "org.deactivated", data: {} }];
  throw failedPrecondition("ORG-already-deactivated", "Organization is already deactivated");
}

export function reactivateOrg(state: OrgState): OrgEvent[] {
  const org = existingOrg(state);
  if (org.status === "inactive") return [{ type: "org.reactivated", data: {} }];
  throw failedPrecondition("ORG-already-active", "Organization is already active");
}

export function removeOrg(state: OrgState): OrgEvent[] {
  const org = existingOrg(state);
  return [{ type: "org.removed", data: { name: org.name } }];
}

export function addOrgMember(state: OrgState, userId: string, roles: string[]): OrgEvent[] {
  existingOrg(state);
  if (roles.length === 0) throw invalidArgument("ORG-member-roles-missing", "at least one role is required");
  const unknown = roles.find((role) => !(ORG_ROLES as readonly string[]).includes(role));
  if (unknown) throw invalidArgument("ORG-member-role-unknown", `unknown role ${unknown}`);
  return [{ type: "org.member.added", data: { userId, roles: [...new Set(roles)] } }];
}

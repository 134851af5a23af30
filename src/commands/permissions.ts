/** What each role may do. IAM_OWNER holds every permission in every organization. */
const ROLE_PERMISSIONS: Record<string, readonly string[]> = {
  IAM_OWNER: ["*"],
  // Reads the whole instance, changes nothing.
  IAM_OWNER_VIEWER: ["iam.read", "policy.read", "org.read", "user.read", "events.read", "action.target.read", "action.execution.read"],
  ORG_OWNER: ["org.read", "org.write", "org.delete", "org.member.write", "user.read", "user.write", "user.delete"],
  // The "ADMIN" role of the /v1/users surface: administers the users of its organization.
  ADMIN: ["org.read", "user.read", "user.write", "user.delete"],
  ORG_USER_MANAGER: ["org.read", "user.read", "user.write", "user.delete"],
  // Held only by the lifecycle jobs' system principal (commands/system.ts), never granted to a user.
  SYSTEM_LIFECYCLE: ["user.read", "user.write", "user.delete"],
};

export interface Principal {
  userId: string;
  orgId: string;
  instanceRoles: string[];
  /** org id -> roles held there */
  orgRoles: Record<string, string[]>;
  /** No activity of this user is recorded after this moment (see domain/user/lifecycle.ts); set by token lookups. */
  activeUntil?: Date;
}

function grants(roles: readonly string[], permission: string): boolean {
  return roles.some((role) => {
    const permissions = ROLE_PERMISSIONS[role] ?? [];
    return permissions.includes("*") || permissions.includes(permission);
  });
}

export function hasInstancePermission(principal: Principal, permission: string): boolean {
  return grants(principal.instanceRoles, permission);
}

/** True if the principal holds the permission in the organization (or instance-wide). */
export function hasOrgPermission(principal: Principal, permission: string, orgId: string): boolean {
  return hasInstancePermission(principal, permission) || grants(principal.orgRoles[orgId] ?? [], permission);
}

/** Organizations the principal holds the permission in; "all" when held instance-wide. */
export function orgsWithPermission(principal: Principal, permission: string): string[] | "all" {
  if (hasInstancePermission(principal, permission)) return "all";
  return Object.entries(principal.orgRoles)
    .filter(([, roles]) => grants(roles, permission))
    .map(([orgId]) => orgId);
}

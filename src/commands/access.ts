import { DomainError, notFound } from "../domain/errors.js";
import { hasOrgPermission, orgsWithPermission, type Principal } from "./permissions.js";

/** Who calls, and what the called method needs: built once per request by authentication, used by every use case. */
export interface Access {
  principal: Principal;
  /** The permission the method declares (its proto `auth_option`). */
  permission: string;
  /** The target user may do this to itself without the permission (ZITADEL's self-service rule). */
  allowSelf: boolean;
  /** The organization a management v1 call acts in: `x-zitadel-orgid`, else the caller's own. */
  orgContext: string;
}

/** A resource as loaded by a use case: the permission is checked in the organization that owns it. */
export type Resource = { kind: "user"; id: string; orgId: string } | { kind: "org"; id: string };

const READ_PERMISSION = { user: "user.read", org: "org.read" } as const;

export const userNotFound = () => notFound("USER-not-found", "User could not be found");
export const orgNotFound = () => notFound("ORG-not-found", "Organization not found");

export const permissionDenied = (permission: string) =>
  new DomainError("permission_denied", "AUTH-permission-denied", `No permission ${permission} for this resource`);

/**
 * The one permission decision, made on what the use case loaded. Allowed when the caller holds the
 * permission in the resource's organization, or is the target user of a self-service method. A caller who
 * cannot even read there gets exactly what a missing resource gets, so nothing leaks that it exists; one
 * who can read it but lacks the permission gets PermissionDenied.
 */
export function authorize(access: Access, resource: Resource, permission = access.permission): void {
  const { principal } = access;
  const self = resource.kind === "user" && resource.id === principal.userId;
  const orgId = resource.kind === "user" ? resource.orgId : resource.id;
  if ((self && access.allowSelf) || hasOrgPermission(principal, permission, orgId)) return;
  if (self || hasOrgPermission(principal, READ_PERMISSION[resource.kind], orgId)) throw permissionDenied(permission);
  throw resource.kind === "user" ? userNotFound() : orgNotFound();
}

/**
 * The early refusal, before anything is loaded: a caller who holds the permission in no organization
 * could never pass `authorize` (unless the method lets a user act on itself).
 */
export function couldEverPass(access: Access): boolean {
  const orgs = orgsWithPermission(access.principal, access.permission);
  return access.allowSelf || orgs === "all" || orgs.length > 0;
}

import { type DescField, type DescMessage, getOption } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { type AuthOption, options } from "../../../gen/zitadel/protoc_gen_zitadel/v2/options_pb.js";
import { DomainError } from "../../domain/errors.js";
import { hasInstancePermission, hasOrgPermission, orgsWithPermission, type Principal } from "../auth/permissions.js";
import { callerForToken } from "../auth/principal.js";
import { kOrgContext, kPrincipal } from "../context.js";
import type { Deps } from "../deps.js";

/** Services anyone may call, without a token: health checking only. */
const PUBLIC_SERVICES = new Set(["grpc.health.v1.Health"]);

const unauthenticated = () => new DomainError("unauthenticated", "AUTH-no-valid-token", "Missing or invalid token");
const denied = (permission: string) =>
  new DomainError("permission_denied", "AUTH-permission-denied", `No permission ${permission} for this resource`);

/** Reads a request field by its proto path ("organization.org_id"), looking through oneofs. */
export function readField(desc: DescMessage, message: unknown, path: string): unknown {
  let currentDesc: DescMessage | undefined = desc;
  let value: any = message;
  for (const name of path.split(".")) {
    const field: DescField | undefined = currentDesc?.fields.find((f) => f.name === name);
    if (!field || value == null) return undefined;
    value = field.oneof ? (value[field.oneof.localName]?.case === field.localName ? value[field.oneof.localName].value : undefined) : value[field.localName];
    currentDesc = field.fieldKind === "message" ? field.message : undefined;
  }
  return value;
}

/** Proto field that names the target user, for options checked in that user's organization. */
function userField(auth: AuthOption | undefined): string | undefined {
  const field = auth?.orgField ?? "";
  return field === "" || field === "instance" || field === "any" || field.startsWith("org:") ? undefined : field;
}

function authorized(principal: Principal, auth: AuthOption, req: { method: { input: DescMessage }; message: unknown }, orgContext: string, targetUserOrg: string | undefined) {
  const { permission, orgField } = auth;
  if (permission === "authenticated") return true;
  const anywhere = () => {
    const orgs = orgsWithPermission(principal, permission);
    return orgs === "all" || orgs.length > 0;
  };
  if (orgField === "instance") return hasInstancePermission(principal, permission);
  if (orgField === "any") return anywhere();
  if (orgField === "") return hasOrgPermission(principal, permission, orgContext);
  if (orgField.startsWith("org:")) {
    const orgId = readField(req.method.input, req.message, orgField.slice(4));
    return hasOrgPermission(principal, permission, typeof orgId === "string" && orgId ? orgId : orgContext);
  }
  // A user id field: checked in the user's organization. For an unknown user, holding the permission
  // anywhere lets the handler answer NotFound.
  return targetUserOrg ? hasOrgPermission(principal, permission, targetUserOrg) : anywhere();
}

/**
 * Authenticates every call and enforces the permission its proto declares (method option
 * `auth_option`). A method that declares none is refused: new RPCs are closed until someone decides.
 * The token and the target user's organization are resolved in one query.
 */
export function authInterceptor(deps: Deps): Interceptor {
  return (next) => async (req) => {
    if (PUBLIC_SERVICES.has(req.service.typeName)) return next(req);
    const [scheme, token] = (req.header.get("authorization") ?? "").split(" ");
    if (scheme?.toLowerCase() !== "bearer" || !token) throw unauthenticated();
    const auth = getOption(req.method, options)?.authOption;
    const field = req.stream ? undefined : userField(auth);
    const target = field ? readField(req.method.input, req.message, field) : undefined;
    const caller = await callerForToken(deps.db, token, deps.now(), typeof target === "string" && target ? target : undefined);
    if (!caller) throw unauthenticated();

    if (!auth?.permission) throw denied("(none declared)");
    const orgContext = req.header.get("x-zitadel-orgid") || caller.principal.orgId;
    if (req.stream || !authorized(caller.principal, auth, req, orgContext, caller.targetUserOrg)) throw denied(auth.permission);

    req.contextValues.set(kPrincipal, caller.principal);
    req.contextValues.set(kOrgContext, orgContext);
    return next(req);
  };
}

import { getOption } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { options } from "../../../gen/lifecycle/auth/v1/options_pb.js";
import { couldEverPass, permissionDenied } from "../../commands/access.js";
import type { Deps } from "../../commands/deps.js";
import { hasInstancePermission } from "../../commands/permissions.js";
import { DomainError } from "../../domain/errors.js";
import { authenticateToken } from "../auth/authenticate.js";
import { kAccess } from "../context.js";
import { publicServices } from "../routes.js";

const unauthenticated = () => new DomainError("unauthenticated", "AUTH-no-valid-token", "Missing or invalid token");

/**
 * Authenticates every call (token → principal, uncached) and reads the permission its proto declares
 * (method option `auth_option`); a method that declares none is refused, so new RPCs are closed until
 * someone decides. Instance-level permissions are decided here: there is nothing to load. Every other
 * permission is decided by the use case on the resource it loaded (`commands/access.ts`); this only
 * refuses early a caller who holds the permission nowhere and could never pass that check.
 */
export function authInterceptor(deps: Deps): Interceptor {
  return (next) => async (req) => {
    if (publicServices.has(req.service.typeName)) return next(req);
    const [scheme, token] = (req.header.get("authorization") ?? "").split(" ");
    if (scheme?.toLowerCase() !== "bearer" || !token) throw unauthenticated();
    const principal = await authenticateToken(deps, token);
    if (!principal) throw unauthenticated();

    const auth = getOption(req.method, options)?.authOption;
    const permission = auth?.permission ?? "";
    // Streams from the client are not served (browsers cannot send them); server streams are.
    const clientStreams = req.method.methodKind === "client_streaming" || req.method.methodKind === "bidi_streaming";
    if (!permission || clientStreams) throw permissionDenied(permission || "(none declared)");
    const access = { principal, permission, allowSelf: auth?.allowSelf ?? false, orgContext: req.header.get("x-zitadel-orgid") || principal.orgId };
    if (permission !== "authenticated") {
      const passes = auth?.scope === "instance" ? hasInstancePermission(principal, permission) : couldEverPass(access);
      if (!passes) throw permissionDenied(permission);
    }
    req.contextValues.set(kAccess, access);
    return next(req);
  };
}

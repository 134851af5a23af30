import { timingSafeEqual } from "node:crypto";
import type { HandlerContext } from "@connectrpc/connect";
import { permissionDenied } from "../../commands/access.js";
import { notFound } from "../../domain/errors.js";
import type { SessionRow } from "../../projections/sessions/queries.js";
import { hasOrgPermission, orgsWithPermission } from "../../commands/permissions.js";
import { hashToken } from "../../credentials/tokens.js";
import { principalOf } from "../context.js";

function holdsToken(row: SessionRow, sessionToken: string | undefined): boolean {
  if (!sessionToken) return false;
  return timingSafeEqual(Buffer.from(hashToken(sessionToken), "hex"), Buffer.from(row.token_hash, "hex"));
}

/**
 * A session is visible to whoever holds its token (sent as session_token), to its own user (e.g. calling
 * with this very session's token), and to callers holding `permission` in the user's organization. Anyone
 * else gets the answer an unknown session gets: NotFound for callers who could see some session,
 * PermissionDenied for those who hold the permission nowhere — so nothing tells them the session exists.
 */
export function requireSessionAccess(
  ctx: HandlerContext,
  row: SessionRow | undefined,
  sessionToken: string | undefined,
  permission: string,
): asserts row is SessionRow {
  const principal = principalOf(ctx);
  if (row && (holdsToken(row, sessionToken) || principal.userId === row.user_id || hasOrgPermission(principal, permission, row.resource_owner))) {
    return;
  }
  const orgs = orgsWithPermission(principal, permission);
  if (orgs === "all" || orgs.length > 0) throw notFound("SESSION-not-found", "Session could not be found");
  throw permissionDenied(permission);
}

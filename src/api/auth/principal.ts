import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Principal } from "./permissions.js";
import { hashToken } from "./tokens.js";

/**
 * Resolves a bearer token to its principal, in one query, on every request: a token authenticates only
 * while it is unexpired, its user is ACTIVE and the user's organization is ACTIVE. Nothing is cached, so
 * a deactivation takes effect on the very next call on every instance.
 */
export async function principalForToken(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  // Looked up by hash: the secret itself is never compared, so timing reveals nothing about it.
  const row = await db
    .selectFrom("personal_access_tokens_v1 as t")
    .innerJoin("users_v1 as u", "u.id", "t.user_id")
    .innerJoin("orgs_v1 as o", "o.id", "u.resource_owner")
    .where("t.token_hash", "=", hashToken(token))
    .where("u.state", "=", "active")
    .where("o.state", "=", "active")
    .where((eb) => eb.or([eb("t.expiration", "is", null), eb("t.expiration", ">", now)]))
    .select([
      "u.id as userId",
      "u.resource_owner as orgId",
      sql<string[] | null>`(select roles from instance_members_v1 where user_id = u.id)`.as("instanceRoles"),
      sql<{ org_id: string; roles: string[] }[]>`(
        select coalesce(jsonb_agg(jsonb_build_object('org_id', m.org_id, 'roles', m.roles)), '[]'::jsonb)
        from org_members_v1 m where m.user_id = u.id)`.as("orgRoles"),
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    userId: row.userId,
    orgId: row.orgId,
    instanceRoles: row.instanceRoles ?? [],
    orgRoles: Object.fromEntries(row.orgRoles.map((m) => [m.org_id, m.roles])),
  };
}

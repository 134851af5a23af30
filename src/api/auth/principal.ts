import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Principal } from "../../commands/permissions.js";
import { hashToken } from "./tokens.js";
import { batcherOn } from "../../db/batcher.js";

/**
 * Resolves a bearer token — a personal access token or a session token — to its principal, in one query,
 * on every request. A token authenticates only while it is unexpired, its user is ACTIVE and the user's
 * organization is ACTIVE. A session token further needs a verified password, and must be younger than the
 * user's last lock or deactivation and the organization's last deactivation (compared by log position),
 * so reactivation revives personal access tokens but never older sessions; a session's user may also be
 * INITIAL (it has a password, or it would have no such session). Nothing is cached, so a deactivation
 * takes effect on the very next call on every instance.
 */
export function principalForToken(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  // Looked up by hash: the secret itself is never compared, so timing reveals nothing about it.
  return batcherOn(db, "principal", (keys: Lookup[]) => principalsForTokens(db, keys))({ tokenHash: hashToken(token), now });
}

interface Lookup {
  tokenHash: string;
  now: Date;
}

/** The lookups of concurrent requests in one statement (see db/batcher.ts); each gets its own answer. */
async function principalsForTokens(db: Db, lookups: Lookup[]): Promise<(Principal | undefined)[]> {
  const hashes = [...new Set(lookups.map((l) => l.tokenHash))];
  // One clock for the batch: the latest, so no token is taken for valid past its expiry.
  const now = new Date(Math.max(...lookups.map((l) => l.now.getTime())));
  const anyHash = sql<string>`any(${hashes}::text[])`;
  const credentials = db
    .selectFrom("personal_access_tokens_v1 as t")
    .select(["t.token_hash", "t.user_id", sql<number | null>`null::bigint`.as("session_position")])
    .where("t.token_hash", "=", anyHash)
    .where((eb) => eb.or([eb("t.expiration", "is", null), eb("t.expiration", ">", now)]))
    .unionAll(
      db
        .selectFrom("sessions_v1 as s")
        .select(["s.token_hash", "s.user_id", "s.created_position as session_position"])
        .where("s.token_hash", "=", anyHash)
        .where("s.password_checked_at", "is not", null)
        .where((eb) => eb.or([eb("s.expiration", "is", null), eb("s.expiration", ">", now)])),
    );
  const rows = await db
    .selectFrom(credentials.as("c"))
    .innerJoin("users_v1 as u", "u.id", "c.user_id")
    .innerJoin("orgs_v1 as o", "o.id", "u.resource_owner")
    .leftJoin("user_login_states_v1 as ul", "ul.user_id", "u.id")
    .leftJoin("org_login_states_v1 as ol", "ol.org_id", "o.id")
    .where("o.state", "=", "active")
    .where((eb) =>
      eb.or([
        eb.and([eb("c.session_position", "is", null), eb("u.state", "=", "active")]),
        eb.and([
          eb("u.state", "in", ["active", "initial"]),
          eb("c.session_position", ">", eb.fn.coalesce("ul.sessions_valid_after", sql.lit(0))),
          eb("c.session_position", ">", eb.fn.coalesce("ol.sessions_valid_after", sql.lit(0))),
        ]),
      ]),
    )
    .select([
      "c.token_hash as tokenHash",
      "u.id as userId",
      "u.resource_owner as orgId",
      sql<string[] | null>`(select roles from instance_members_v1 where user_id = u.id)`.as("instanceRoles"),
      sql<{ org_id: string; roles: string[] }[]>`(
        select coalesce(jsonb_agg(jsonb_build_object('org_id', m.org_id, 'roles', m.roles)), '[]'::jsonb)
        from org_members_v1 m where m.user_id = u.id)`.as("orgRoles"),
    ])
    .execute();
  const byHash = new Map(rows.map((row) => [row.tokenHash, row]));
  return lookups.map(({ tokenHash }) => {
    const row = byHash.get(tokenHash);
    if (!row) return undefined;
    // Each request gets its own copy: a principal is never shared between requests.
    return {
      userId: row.userId,
      orgId: row.orgId,
      instanceRoles: [...(row.instanceRoles ?? [])],
      orgRoles: Object.fromEntries(row.orgRoles.map((m) => [m.org_id, [...m.roles]])),
    };
  });
}

import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Principal } from "../../commands/permissions.js";
import { hashToken } from "../../credentials/tokens.js";
import { batcherOn } from "../../db/batcher.js";

/**
 * Resolves a bearer token — a personal access token or a session token — to its principal, in one query,
 * on every request. A token authenticates only while it is unexpired, its user is ACTIVE and the user's
 * organization is ACTIVE. A session token further needs a verified password, and must be younger than the
 * user's last lock or deactivation and the organization's last deactivation (compared by log position),
 * so reactivation revives personal access tokens but never older sessions; a session's user may also be
 * INITIAL (it has a password, or it would have no such session). Nothing is cached, so a deactivation
 * takes effect on the very next call on every instance. The user's `idle_since` comes along, so recording
 * its activity costs nothing more unless that is stale (api/auth/authenticate.ts).
 */
export function principalForToken(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  // Looked up by hash: the secret itself is never compared, so timing reveals nothing about it.
  return batcherOn(db, "principal", (keys: Lookup[]) => principalsForTokens(db, keys))({ tokenHash: hashToken(token), now });
}

interface PrincipalRow {
  token_hash: string;
  user_id: string;
  org_id: string;
  instance_roles: string[] | null;
  org_roles: { org_id: string; roles: string[] }[];
  idle_since: Date | string;
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
  // Each lookup by key is a LATERAL subquery with LIMIT 1, so it stays a nested loop over the primary key:
  // joined plainly, a batch of hashes made the planner hash-join against a scan of every user.
  const { rows } = await sql<PrincipalRow>`
    select c.token_hash, u.id as user_id, u.resource_owner as org_id, u.idle_since,
      (select roles from instance_members_v1 where user_id = u.id) as instance_roles,
      (select coalesce(jsonb_agg(jsonb_build_object('org_id', m.org_id, 'roles', m.roles)), '[]'::jsonb)
         from org_members_v1 m where m.user_id = u.id) as org_roles
    from (
      select t.token_hash, t.user_id, null::bigint as session_position from personal_access_tokens_v1 t
      where t.token_hash = any(${hashes}::text[]) and (t.expiration is null or t.expiration > ${now})
      union all
      select s.token_hash, s.user_id, s.created_position from sessions_v1 s
      where s.token_hash = any(${hashes}::text[]) and s.password_checked_at is not null and (s.expiration is null or s.expiration > ${now})
    ) c
    cross join lateral (select id, resource_owner, state, idle_since from users_v1 where id = c.user_id limit 1) u
    cross join lateral (select id, state from orgs_v1 where id = u.resource_owner limit 1) o
    left join lateral (select sessions_valid_after from user_login_states_v1 where user_id = u.id limit 1) ul on true
    left join lateral (select sessions_valid_after from org_login_states_v1 where org_id = o.id limit 1) ol on true
    where o.state = 'active' and (
      (c.session_position is null and u.state = 'active')
      or (u.state in ('active', 'initial')
          and c.session_position > coalesce(ul.sessions_valid_after, 0)
          and c.session_position > coalesce(ol.sessions_valid_after, 0)))`.execute(db);
  const byHash = new Map(rows.map((row) => [row.token_hash, row]));
  return lookups.map(({ tokenHash }) => {
    const row = byHash.get(tokenHash);
    if (!row) return undefined;
    // Each request gets its own copy: a principal is never shared between requests.
    return {
      userId: row.user_id,
      orgId: row.org_id,
      instanceRoles: [...(row.instance_roles ?? [])],
      orgRoles: Object.fromEntries(row.org_roles.map((m) => [m.org_id, [...m.roles]])),
      activeUntil: new Date(row.idle_since),
    };
  });
}

import { type Kysely, sql } from "kysely";
import type { Database } from "../../db/schema.js";

/**
 * Whether some instance owner (IAM_OWNER) can still sign in: the user and its organization are active and
 * it holds a way in — an unexpired personal access token, or a password (with which an active or initial
 * user may create a session). The same conditions as authentication (src/api/auth/principal.ts).
 */
export async function someInstanceOwnerCanSignIn(db: Kysely<Database>, now: Date): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select exists (
      select 1 from instance_members_v1 m
      join users_v1 u on u.id = m.user_id
      join orgs_v1 o on o.id = u.resource_owner and o.state = 'active'
      where m.roles ? 'IAM_OWNER' and (
        (u.state = 'active' and exists (
          select 1 from personal_access_tokens_v1 t where t.user_id = u.id and (t.expiration is null or t.expiration > ${now})))
        or (u.state in ('active', 'initial') and u.password_changed is not null))
    ) as found`.execute(db);
  return rows[0]?.found === true;
}

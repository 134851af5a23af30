import type { Db } from "../../db/database.js";

/** A live session with what GetSession shows of its user (who may since have been removed). */
export async function getSessionById(db: Db, id: string) {
  return db
    .selectFrom("sessions_v1 as s")
    .leftJoin("users_v1 as u", "u.id", "s.user_id")
    .selectAll("s")
    .select(["u.username", "u.display_name", "u.given_name", "u.family_name"])
    .where("s.id", "=", id)
    .executeTakeFirst();
}

export type SessionRow = NonNullable<Awaited<ReturnType<typeof getSessionById>>>;

/**
 * Users a login name may denote: the username in any organization, or "username@primary-domain" of one
 * organization. At most two ids come back: two mean the name is ambiguous.
 */
export async function userIdsForLoginName(db: Db, loginName: string): Promise<string[]> {
  const name = loginName.toLowerCase();
  const at = name.lastIndexOf("@");
  const rows = await db
    .selectFrom("users_v1 as u")
    .innerJoin("orgs_v1 as o", "o.id", "u.resource_owner")
    .select("u.id")
    .where((eb) => {
      const byUsername = eb(eb.fn("lower", ["u.username"]), "=", name);
      if (at <= 0) return byUsername;
      return eb.or([
        byUsername,
        eb.and([eb(eb.fn("lower", ["u.username"]), "=", name.slice(0, at)), eb("o.primary_domain", "=", name.slice(at + 1))]),
      ]);
    })
    .limit(2)
    .execute();
  return rows.map((row) => row.id);
}

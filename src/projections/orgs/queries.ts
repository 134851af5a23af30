import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { OrgsTable } from "../../db/schema.js";

export type OrgRow = Selectable<OrgsTable>;

/** Removed organizations are not found. */
export async function getOrgById(db: Db, id: string): Promise<OrgRow | undefined> {
  return db.selectFrom("orgs_v1").selectAll().where("id", "=", id).where("state", "!=", "removed").executeTakeFirst();
}

/** The organization holding a primary domain; domains are unique claims (scope `org_domain`), like usernames. */
export async function getOrgByDomain(db: Db, domain: string): Promise<OrgRow | undefined> {
  return db
    .selectFrom("orgs_v1 as o")
    .innerJoin("unique_claims as c", (join) => join.onRef("c.aggregate_id", "=", "o.id").on("c.scope", "=", "org_domain"))
    .selectAll("o")
    .where("c.value", "=", domain.toLowerCase())
    .where("o.state", "!=", "removed")
    .executeTakeFirst();
}

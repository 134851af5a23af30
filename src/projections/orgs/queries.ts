import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { OrgsTable } from "../../db/schema.js";

export type OrgRow = Selectable<OrgsTable>;

/** Removed organizations are not found. */
export async function getOrgById(db: Db, id: string): Promise<OrgRow | undefined> {
  return db.selectFrom("orgs_v1").selectAll().where("id", "=", id).where("state", "!=", "removed").executeTakeFirst();
}

import type { Organization } from "../../../gen/zitadel/object/v2/object_pb.js";
import type { Db } from "../../db/database.js";
import { notFound } from "../../domain/errors.js";

/** The organization a new user goes into, by id or primary domain; it must exist and not be removed. */
export async function resolveOrganization(db: Db, organization: Organization | undefined, fallbackOrgId: string): Promise<string> {
  let query = db.selectFrom("orgs_v1").select("id").where("state", "!=", "removed");
  const org = organization?.org;
  if (org?.case === "orgDomain") query = query.where("primary_domain", "=", org.value.toLowerCase());
  else query = query.where("id", "=", org?.case === "orgId" && org.value ? org.value : fallbackOrgId);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound("ORG-not-found", "Organization not found");
  return row.id;
}

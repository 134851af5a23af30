import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import { type ListResult, noRow, type Page, pageWithTotals, type TextMatch, textMatches } from "../list-query.js";
import type { OrgRow } from "./queries.js";

export type OrgState = "active" | "inactive" | "removed";

/** A ListOrganizations search query, free of any protocol. */
export type OrgFilter =
  | { kind: "name" | "domain"; match: TextMatch }
  | { kind: "state"; state: OrgState }
  | { kind: "id"; id: string }
  | { kind: "default" };

export interface OrgListRequest {
  filters: OrgFilter[];
  /** Organizations the caller may read; "all" for an instance-wide reader. */
  orgs: string[] | "all";
  sort: "name" | "creation_date";
  page: Page;
}

type Eb = ExpressionBuilder<Database, "orgs_v1">;

/** The default organization is the one first-start setup created; the instance stream records it. */
const defaultOrgId = sql<string>`(select payload->>'defaultOrgId' from events
  where aggregate_type = 'instance' and type = 'instance.setup' order by position limit 1)`;

function condition(eb: Eb, filter: OrgFilter): Expression<SqlBool> {
  switch (filter.kind) {
    case "name":
      return textMatches(eb.ref("name"), filter.match);
    case "domain":
      return textMatches(eb.ref("primary_domain"), filter.match);
    case "state":
      return eb("state", "=", filter.state);
    case "id":
      return eb("id", "=", filter.id);
    case "default":
      return eb("id", "=", defaultOrgId);
  }
}

function where(eb: Eb, request: OrgListRequest): Expression<SqlBool> {
  const scope = request.orgs === "all" ? [] : [request.orgs.length > 0 ? eb("id", "in", request.orgs) : noRow];
  // Removed organizations are gone for every other call (NotFound, their name free for a new org), so a
  // plain listing leaves them out; asking for state REMOVED explicitly lists them, as ZITADEL can.
  const askedForRemoved = request.filters.some((f) => f.kind === "state" && f.state === "removed");
  const live = askedForRemoved ? [] : [eb("state", "!=", "removed")];
  return eb.and([...scope, ...live, ...request.filters.map((f) => condition(eb, f))]);
}

/** One page of orgs_v1 with the total and the processed position, in one statement. */
export async function listOrgs(db: Db, request: OrgListRequest): Promise<ListResult<OrgRow>> {
  const direction = request.page.asc ? "asc" : "desc";
  return pageWithTotals<OrgRow, "orgs_v1">(db, "orgs_v1", (eb) => where(eb, request), request.sort, (o) => o[direction](), request.page);
}

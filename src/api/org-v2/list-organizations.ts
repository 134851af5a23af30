import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { OrganizationFieldName, OrganizationSchema, OrganizationState, type SearchQuery } from "../../../gen/zitadel/org/v2/org_pb.js";
import type { ListOrganizationsRequest } from "../../../gen/zitadel/org/v2/org_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { type OrgFilter, type OrgState, listOrgs } from "../../projections/orgs/list.js";
import type { OrgRow } from "../../projections/orgs/queries.js";
import { orgsWithPermission } from "../../commands/permissions.js";
import { principalOf } from "../context.js";
import { detailsV2, rowDetails } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { listDetails, pageOf, textMatch } from "../list-query.js";

const STATES: Record<string, OrgState> = { [OrganizationState.ACTIVE]: "active", [OrganizationState.INACTIVE]: "inactive", [OrganizationState.REMOVED]: "removed" };
const STATE_OF: Record<string, OrganizationState> = { active: OrganizationState.ACTIVE, inactive: OrganizationState.INACTIVE, removed: OrganizationState.REMOVED };
const invalid = (what: string) => invalidArgument("ORG-query-invalid", what);

function orgFilter({ query: q }: SearchQuery): OrgFilter {
  switch (q.case) {
    case "nameQuery":
      return { kind: "name", match: textMatch(q.value.name, q.value.method) };
    case "domainQuery":
      return { kind: "domain", match: textMatch(q.value.domain, q.value.method) };
    case "stateQuery":
      if (!STATES[q.value.state]) throw invalid(`state query needs an organization state, got ${q.value.state}`);
      return { kind: "state", state: STATES[q.value.state] };
    case "idQuery":
      if (!q.value.id) throw invalid("id query needs an id");
      return { kind: "id", id: q.value.id };
    case "defaultQuery":
      return { kind: "default" };
    default:
      throw invalid("each search query must set exactly one query");
  }
}

const organization = (row: OrgRow) =>
  create(OrganizationSchema, { id: row.id, details: detailsV2(rowDetails(row)), state: STATE_OF[row.state], name: row.name, primaryDomain: row.primary_domain });

/** Lists the organizations the caller holds org.read in (all of them for an instance-wide reader). */
export function listOrganizationsV2(deps: Deps) {
  return async (req: ListOrganizationsRequest, ctx: HandlerContext) => {
    if (req.sortingColumn !== OrganizationFieldName.UNSPECIFIED && req.sortingColumn !== OrganizationFieldName.NAME) {
      throw invalidArgument("ORG-sorting-column-invalid", `unknown sorting column ${req.sortingColumn}`);
    }
    if (req.queries.length > 100) throw invalid("at most 100 queries per request");
    const search = {
      filters: req.queries.map(orgFilter),
      orgs: orgsWithPermission(principalOf(ctx), "org.read"),
      sort: req.sortingColumn === OrganizationFieldName.NAME ? ("name" as const) : ("creation_date" as const),
      page: pageOf(req.query),
    };
    const result = await deps.reads((db) => listOrgs(db, search));
    return { details: listDetails(result, deps.now()), sortingColumn: req.sortingColumn, result: result.rows.map(organization) };
  };
}

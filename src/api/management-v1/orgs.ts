import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { AddOrgMemberRequest, AddOrgRequest } from "../../../gen/zitadel/management/v1/management_pb.js";
import { OrgSchema, OrgState } from "../../../gen/zitadel/org_pb.js";
import { addMember, addOrganization, deactivateOrg, reactivateOrg, readOrg, removeOrg } from "../../commands/org.js";
import { accessOf } from "../context.js";
import { detailsV1, rowDetails } from "../convert.js";
import type { Deps } from "../../commands/deps.js";

const STATES: Record<string, OrgState> = { active: OrgState.ACTIVE, inactive: OrgState.INACTIVE, removed: OrgState.REMOVED };

/** The v1 organization methods; "me" is the organization of the context. */
export function managementOrgsV1(deps: Deps) {
  const change = (useCase: typeof deactivateOrg) => async (_req: unknown, ctx: HandlerContext) => {
    const access = accessOf(ctx);
    return { details: detailsV1(await useCase(deps, access, access.orgContext)) };
  };
  return {
    deactivateOrg: change(deactivateOrg),
    reactivateOrg: change(reactivateOrg),
    removeOrg: change(removeOrg),
    async getMyOrg(_req: unknown, ctx: HandlerContext) {
      const access = accessOf(ctx);
      const row = await deps.reads((db) => readOrg({ db }, access, { id: access.orgContext }));
      return {
        org: create(OrgSchema, {
          id: row.id,
          details: detailsV1(rowDetails(row)),
          state: STATES[row.state] ?? OrgState.UNSPECIFIED,
          name: row.name,
          primaryDomain: row.primary_domain,
        }),
      };
    },
    async addOrg(req: AddOrgRequest, ctx: HandlerContext) {
      const id = deps.newId();
      const details = await addOrganization(deps, accessOf(ctx), { orgId: id, name: req.name });
      return { id, details: detailsV1(details) };
    },
    async addOrgMember(req: AddOrgMemberRequest, ctx: HandlerContext) {
      const access = accessOf(ctx);
      return { details: detailsV1(await addMember(deps, access, access.orgContext, req.userId, req.roles)) };
    },
  };
}

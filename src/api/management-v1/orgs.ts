import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { AddOrgMemberRequest, AddOrgRequest } from "../../../gen/zitadel/management/v1/management_pb.js";
import { OrgSchema, OrgState } from "../../../gen/zitadel/org_pb.js";
import { addMember, changeOrg, readOrg } from "../../commands/org.js";
import { addOrg, deactivateOrg, reactivateOrg, removeOrg } from "../../domain/org/decide.js";
import type { OrgEvent } from "../../domain/org/events.js";
import { type OrgState as DomainOrgState, orgAggregate } from "../../domain/org/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { accessOf, commandContext } from "../context.js";
import { detailsV1, rowDetails } from "../convert.js";
import type { Deps } from "../../commands/deps.js";

const STATES: Record<string, OrgState> = { active: OrgState.ACTIVE, inactive: OrgState.INACTIVE, removed: OrgState.REMOVED };

/** The v1 organization methods; "me" is the organization of the context. */
export function managementOrgsV1(deps: Deps) {
  const change = (decide: (state: DomainOrgState) => OrgEvent[]) => async (_req: unknown, ctx: HandlerContext) => {
    const access = accessOf(ctx);
    return { details: detailsV1(await changeOrg(deps, access, access.orgContext, decide)) };
  };
  return {
    deactivateOrg: change(deactivateOrg),
    reactivateOrg: change(reactivateOrg),
    removeOrg: change(removeOrg),
    async getMyOrg(_req: unknown, ctx: HandlerContext) {
      const access = accessOf(ctx);
      const row = await readOrg(deps, access, { id: access.orgContext });
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
      const details = await handleCommand(deps.store, commandContext(ctx), orgAggregate, id, (s) => addOrg(s, req.name), id);
      return { id, details: detailsV1(details) };
    },
    async addOrgMember(req: AddOrgMemberRequest, ctx: HandlerContext) {
      const access = accessOf(ctx);
      return { details: detailsV1(await addMember(deps, access, access.orgContext, req.userId, req.roles)) };
    },
  };
}

import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { AddOrgMemberRequest, AddOrgRequest } from "../../../gen/zitadel/management/v1/management_pb.js";
import { OrgSchema, OrgState } from "../../../gen/zitadel/org_pb.js";
import { notFound } from "../../domain/errors.js";
import { addOrg, addOrgMember, deactivateOrg, reactivateOrg, removeOrg } from "../../domain/org/decide.js";
import type { OrgEvent } from "../../domain/org/events.js";
import { type OrgState as DomainOrgState, orgAggregate } from "../../domain/org/state.js";
import { existingUser } from "../../domain/user/decide.js";
import { userAggregate } from "../../domain/user/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { getOrgById } from "../../projections/orgs/queries.js";
import { commandContext, orgContextOf } from "../context.js";
import { detailsV1, rowDetails } from "../convert.js";
import type { Deps } from "../deps.js";

const STATES: Record<string, OrgState> = { active: OrgState.ACTIVE, inactive: OrgState.INACTIVE, removed: OrgState.REMOVED };

/** The v1 organization methods; "me" is the organization of the context. */
export function managementOrgsV1(deps: Deps) {
  const change = (decide: (state: DomainOrgState) => OrgEvent[]) => async (_req: unknown, ctx: HandlerContext) => {
    const details = await handleCommand(deps.store, commandContext(ctx), orgAggregate, orgContextOf(ctx), decide);
    return { details: detailsV1(details) };
  };
  return {
    deactivateOrg: change(deactivateOrg),
    reactivateOrg: change(reactivateOrg),
    removeOrg: change(removeOrg),
    async getMyOrg(_req: unknown, ctx: HandlerContext) {
      const row = await getOrgById(deps.db, orgContextOf(ctx));
      if (!row) throw notFound("ORG-not-found", "Organization not found");
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
      const orgId = orgContextOf(ctx);
      const details = await deps.store.run(commandContext(ctx), async (session) => {
        // Roles go only to users that exist.
        existingUser((await session.load(userAggregate, req.userId)).state);
        const org = await session.load(orgAggregate, orgId);
        return session.append(org, addOrgMember(org.state, req.userId, req.roles));
      });
      return { details: detailsV1(details.details()) };
    },
  };
}

import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { OrganizationService } from "../../../gen/zitadel/org/v2beta/org_service_pb.js";
import { deactivateOrg, reactivateOrg } from "../../domain/org/decide.js";
import type { OrgEvent } from "../../domain/org/events.js";
import { type OrgState, orgAggregate } from "../../domain/org/state.js";
import { invalidArgument } from "../../domain/errors.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { commandContext } from "../context.js";
import { timestamp } from "../convert.js";
import type { Deps } from "../deps.js";

/** v2beta answers organization state changes with just the change date. */
export function organizationServiceV2beta(deps: Deps): Partial<ServiceImpl<typeof OrganizationService>> {
  const change = (decide: (state: OrgState) => OrgEvent[]) => async (req: { id: string }, ctx: HandlerContext) => {
    if (!req.id) throw invalidArgument("ORG-id-missing", "id must not be empty");
    const details = await handleCommand(deps.store, commandContext(ctx), orgAggregate, req.id, decide);
    return { changeDate: timestamp(details.changeDate) };
  };
  return { deactivateOrganization: change(deactivateOrg), activateOrganization: change(reactivateOrg) };
}

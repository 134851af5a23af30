import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { OrganizationService } from "../../../gen/zitadel/org/v2beta/org_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { changeOrg } from "../../commands/org.js";
import { invalidArgument } from "../../domain/errors.js";
import { deactivateOrg, reactivateOrg } from "../../domain/org/decide.js";
import type { OrgEvent } from "../../domain/org/events.js";
import type { OrgState } from "../../domain/org/state.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";

/** v2beta answers organization state changes with just the change date. */
export function organizationServiceV2beta(deps: Deps): Partial<ServiceImpl<typeof OrganizationService>> {
  const change = (decide: (state: OrgState) => OrgEvent[]) => async (req: { id: string }, ctx: HandlerContext) => {
    if (!req.id) throw invalidArgument("ORG-id-missing", "id must not be empty");
    const details = await changeOrg(deps, accessOf(ctx), req.id, decide);
    return { changeDate: timestamp(details.changeDate) };
  };
  return { deactivateOrganization: change(deactivateOrg), activateOrganization: change(reactivateOrg) };
}

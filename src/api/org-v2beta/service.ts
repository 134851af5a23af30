import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { OrganizationService } from "../../../gen/zitadel/org/v2beta/org_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { deactivateOrg, reactivateOrg } from "../../commands/org.js";
import { invalidArgument } from "../../domain/errors.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";

/** v2beta answers organization state changes with just the change date. */
export function organizationServiceV2beta(deps: Deps): ServiceImpl<typeof OrganizationService> {
  const change = (useCase: typeof deactivateOrg) => async (req: { id: string }, ctx: HandlerContext) => {
    if (!req.id) throw invalidArgument("ORG-id-missing", "id must not be empty");
    const details = await useCase(deps, accessOf(ctx), req.id);
    return { changeDate: timestamp(details.changeDate) };
  };
  return { deactivateOrganization: change(deactivateOrg), activateOrganization: change(reactivateOrg) };
}

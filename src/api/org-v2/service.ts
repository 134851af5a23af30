import type { ServiceImpl } from "@connectrpc/connect";
import type { OrganizationService } from "../../../gen/zitadel/org/v2/org_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { addOrganizationV2 } from "./add-organization.js";
import { listOrganizationsV2 } from "./list-organizations.js";

export function organizationServiceV2(deps: Deps): ServiceImpl<typeof OrganizationService> {
  return { addOrganization: addOrganizationV2(deps), listOrganizations: listOrganizationsV2(deps) };
}

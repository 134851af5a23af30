import type { ServiceImpl } from "@connectrpc/connect";
import type { ManagementService } from "../../../gen/zitadel/management/v1/management_pb.js";
import type { Deps } from "../../commands/deps.js";
import { managementOrgsV1 } from "./orgs.js";
import { managementUsersV1 } from "./users.js";

export function managementServiceV1(deps: Deps): ServiceImpl<typeof ManagementService> {
  return { ...managementOrgsV1(deps), ...managementUsersV1(deps) };
}

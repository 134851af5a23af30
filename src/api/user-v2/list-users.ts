import type { HandlerContext } from "@connectrpc/connect";
import type { ListUsersRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { listUsers } from "../../projections/users/list.js";
import { orgsWithPermission } from "../../commands/permissions.js";
import { principalOf } from "../context.js";
import type { Deps } from "../../commands/deps.js";
import { listDetails, pageOf } from "../list-query.js";
import { userV2 } from "./user-message.js";
import { userFilters, userSortColumn } from "./user-search.js";

/**
 * The result is narrowed to the organizations where the caller holds user.read, so a manager of one org
 * sees only its users, plus the caller itself (a user may read itself, as on the platform).
 */
export function listUsersV2(deps: Deps) {
  return async (req: ListUsersRequest, ctx: HandlerContext) => {
    const search = {
      filters: userFilters(req.queries),
      orgs: orgsWithPermission(principalOf(ctx), "user.read"),
      alsoUserId: principalOf(ctx).userId,
      sort: userSortColumn(req.sortingColumn),
      page: pageOf(req.query),
    };
    const result = await deps.reads((db) => listUsers(db, search));
    return {
      details: listDetails(result, deps.now()),
      sortingColumn: req.sortingColumn,
      result: result.rows.map(userV2),
    };
  };
}

import type { HandlerContext } from "@connectrpc/connect";
import type { GetUserByIDRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { validateUserId } from "../../domain/user/decide.js";
import { notFound } from "../../domain/errors.js";
import { getUserById } from "../../projections/users/queries.js";
import { detailsV2, rowDetails } from "../convert.js";
import type { Deps } from "../deps.js";
import { userV2 } from "./user-message.js";

export function getUserByIdV2(deps: Deps) {
  return async (req: GetUserByIDRequest, _ctx: HandlerContext) => {
    const row = await getUserById(deps.db, validateUserId(req.userId));
    if (!row) throw notFound("USER-not-found", "User could not be found");
    return { details: detailsV2(rowDetails(row)), user: userV2(row) };
  };
}

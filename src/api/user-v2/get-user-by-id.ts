import type { HandlerContext } from "@connectrpc/connect";
import type { GetUserByIDRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { readUser } from "../../commands/user.js";
import { accessOf } from "../context.js";
import { detailsV2, rowDetails } from "../convert.js";
import { userV2 } from "./user-message.js";

/** A user reads itself without user.read, as on the platform. */
export function getUserByIdV2(deps: Deps) {
  return async (req: GetUserByIDRequest, ctx: HandlerContext) => {
    const row = await deps.reads((db) => readUser({ db }, accessOf(ctx), req.userId));
    return { details: detailsV2(rowDetails(row)), user: userV2(row) };
  };
}

import type { HandlerContext } from "@connectrpc/connect";
import type { DeleteSessionRequest } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import { endSession } from "../../commands/sessions.js";
import { getSessionById } from "../../projections/sessions/queries.js";
import { commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { requireSessionAccess } from "./session-access.js";

export function deleteSessionV2(deps: Deps) {
  return async (req: DeleteSessionRequest, ctx: HandlerContext) => {
    const row = req.sessionId ? await getSessionById(deps.db, req.sessionId) : undefined;
    requireSessionAccess(ctx, row, req.sessionToken, "session.delete");
    const details = await endSession(deps, commandContext(ctx).creator, row.id);
    return { details: detailsV2(details) };
  };
}

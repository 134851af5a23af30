import type { HandlerContext } from "@connectrpc/connect";
import type { GetSessionRequest } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import { getSessionById } from "../../projections/sessions/queries.js";
import type { Deps } from "../../commands/deps.js";
import { requireSessionAccess } from "./session-access.js";
import { sessionV2 } from "./session-message.js";

export function getSessionV2(deps: Deps) {
  return async (req: GetSessionRequest, ctx: HandlerContext) => {
    const row = req.sessionId ? await getSessionById(deps.db, req.sessionId) : undefined;
    requireSessionAccess(ctx, row, req.sessionToken, "session.read");
    return { session: sessionV2(row) };
  };
}

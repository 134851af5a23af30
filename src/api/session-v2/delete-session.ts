import type { HandlerContext } from "@connectrpc/connect";
import type { DeleteSessionRequest } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import { terminateSession } from "../../domain/session/decide.js";
import { sessionAggregate } from "../../domain/session/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { getSessionById } from "../../projections/sessions/queries.js";
import { commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { requireSessionAccess } from "./session-access.js";

export function deleteSessionV2(deps: Deps) {
  return async (req: DeleteSessionRequest, ctx: HandlerContext) => {
    const row = req.sessionId ? await getSessionById(deps.db, req.sessionId) : undefined;
    requireSessionAccess(ctx, row, req.sessionToken, "session.delete");
    const details = await handleCommand(deps.store, commandContext(ctx), sessionAggregate, row.id, terminateSession);
    return { details: detailsV2(details) };
  };
}

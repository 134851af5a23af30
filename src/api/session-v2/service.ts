import type { ServiceImpl } from "@connectrpc/connect";
import type { SessionService } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { createSessionV2 } from "./create-session.js";
import { deleteSessionV2 } from "./delete-session.js";
import { getSessionV2 } from "./get-session.js";

export function sessionServiceV2(deps: Deps): ServiceImpl<typeof SessionService> {
  return {
    createSession: createSessionV2(deps),
    getSession: getSessionV2(deps),
    deleteSession: deleteSessionV2(deps),
  };
}

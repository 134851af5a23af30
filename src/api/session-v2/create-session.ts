import type { HandlerContext } from "@connectrpc/connect";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { CreateSessionRequest } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { createSession } from "../../commands/sessions.js";
import { passwordVerifier } from "../../credentials/passwords.js";
import { hashToken, newToken } from "../../credentials/tokens.js";
import { commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import { checkedUserId } from "./check-user.js";

const millis = (d: Duration | undefined) => (d ? Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6) : undefined);

export function createSessionV2(deps: Deps) {
  return async (req: CreateSessionRequest, ctx: HandlerContext) => {
    const userId = await checkedUserId(deps.db, req.checks?.user);
    const password = req.checks?.password;
    const sessionId = deps.newId();
    const token = newToken();
    const metadata = Object.fromEntries(Object.entries(req.metadata).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
    const details = await createSession(deps, commandContext(ctx).creator, {
      sessionId,
      userId,
      tokenHash: hashToken(token),
      verify: password ? passwordVerifier(password.password) : undefined,
      lifetimeMs: millis(req.lifetime),
      metadata,
    });
    return { details: detailsV2(details), sessionId, sessionToken: token };
  };
}

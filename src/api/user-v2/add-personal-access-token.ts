import type { HandlerContext } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AddPersonalAccessTokenRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { validateUserId } from "../../domain/user/decide.js";
import { userAggregate } from "../../domain/user/state.js";
import { addPersonalAccessToken } from "../../domain/user/tokens.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { hashToken, newToken } from "../auth/tokens.js";
import { commandContext } from "../context.js";
import { timestamp } from "../convert.js";
import type { Deps } from "../deps.js";

export function addPersonalAccessTokenV2(deps: Deps) {
  return async (req: AddPersonalAccessTokenRequest, ctx: HandlerContext) => {
    const token = newToken();
    const pat = {
      tokenId: deps.newId(),
      tokenHash: hashToken(token),
      expiration: req.expirationDate ? timestampDate(req.expirationDate) : undefined,
    };
    const now = deps.now();
    const details = await handleCommand(deps.store, commandContext(ctx), userAggregate, validateUserId(req.userId), (state) =>
      addPersonalAccessToken(state, pat, now),
    );
    // The token is shown here once; the log keeps only its hash.
    return { creationDate: timestamp(details.changeDate), tokenId: pat.tokenId, token };
  };
}

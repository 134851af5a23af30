import type { HandlerContext } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AddPersonalAccessTokenRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { changeUser } from "../../commands/user.js";
import { addPersonalAccessToken } from "../../domain/user/tokens.js";
import { hashToken, newToken } from "../../credentials/tokens.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";

export function addPersonalAccessTokenV2(deps: Deps) {
  return async (req: AddPersonalAccessTokenRequest, ctx: HandlerContext) => {
    const token = newToken();
    const pat = {
      tokenId: deps.newId(),
      tokenHash: hashToken(token),
      expiration: req.expirationDate ? timestampDate(req.expirationDate) : undefined,
    };
    const now = deps.now();
    const details = await changeUser(deps, accessOf(ctx), req.userId, (state) => addPersonalAccessToken(state, pat, now));
    // The token is shown here once; the log keeps only its hash.
    return { creationDate: timestamp(details.changeDate), tokenId: pat.tokenId, token };
  };
}

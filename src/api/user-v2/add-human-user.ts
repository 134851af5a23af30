import type { HandlerContext } from "@connectrpc/connect";
import type { AddHumanUserRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { addHumanUser } from "../../domain/user/create.js";
import { validateUserId } from "../../domain/user/decide.js";
import { hashPassword } from "../../credentials/passwords.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { createUserIn } from "../../commands/org.js";
import { orgRefOf } from "./organization.js";
import { toNewHuman } from "./new-human.js";

export function addHumanUserV2(deps: Deps) {
  return async (req: AddHumanUserRequest, ctx: HandlerContext) => {
    // Better a clear refusal than a user created without what the caller asked for.
    if (req.metadata.length > 0 || req.idpLinks.length > 0 || req.totpSecret !== undefined) {
      throw invalidArgument("USER-field-unsupported", "metadata, idp_links and totp_secret are not supported by this server");
    }
    const access = accessOf(ctx);
    const userId = req.userId ? validateUserId(req.userId) : deps.newId();
    const passwordHash = req.passwordType.case === "password" ? await hashPassword(req.passwordType.value.password) : undefined;
    const input = toNewHuman(req, passwordHash);
    const details = await createUserIn(deps, access, orgRefOf(req.organization, access.principal.orgId), userId, (state) => addHumanUser(state, input));
    return { userId, details: detailsV2(details) };
  };
}

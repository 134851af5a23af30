import type { HandlerContext } from "@connectrpc/connect";
import type { AddHumanUserRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { addHumanUser } from "../../domain/user/create.js";
import { validateUserId } from "../../domain/user/decide.js";
import { userAggregate } from "../../domain/user/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { hashPassword } from "../auth/passwords.js";
import { commandContext, principalOf } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../deps.js";
import { resolveOrganization } from "./organization.js";
import { toNewHuman } from "./new-human.js";

export function addHumanUserV2(deps: Deps) {
  return async (req: AddHumanUserRequest, ctx: HandlerContext) => {
    // Better a clear refusal than a user created without what the caller asked for.
    if (req.metadata.length > 0 || req.idpLinks.length > 0 || req.totpSecret !== undefined) {
      throw invalidArgument("USER-field-unsupported", "metadata, idp_links and totp_secret are not supported by this server");
    }
    const orgId = await resolveOrganization(deps.db, req.organization, principalOf(ctx).orgId);
    const userId = req.userId ? validateUserId(req.userId) : deps.newId();
    const passwordHash = req.passwordType.case === "password" ? await hashPassword(req.passwordType.value.password) : undefined;
    const input = toNewHuman(req, passwordHash);
    const details = await handleCommand(deps.store, commandContext(ctx), userAggregate, userId, (state) => addHumanUser(state, input), orgId);
    return { userId, details: detailsV2(details) };
  };
}

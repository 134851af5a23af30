import type { HandlerContext } from "@connectrpc/connect";
import type { CreateUserRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { addHumanUser, addMachineUser } from "../../domain/user/create.js";
import { validateUserId } from "../../domain/user/decide.js";
import { userAggregate } from "../../domain/user/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { hashPassword } from "../auth/passwords.js";
import { commandContext, principalOf } from "../context.js";
import { timestamp } from "../convert.js";
import type { Deps } from "../deps.js";
import { toNewHuman } from "./new-human.js";
import { resolveOrganization } from "./organization.js";

export function createUserV2(deps: Deps) {
  return async (req: CreateUserRequest, ctx: HandlerContext) => {
    const orgId = await resolveOrganization(deps.db, { org: { case: "orgId", value: req.organizationId } } as never, principalOf(ctx).orgId);
    const userId = req.userId ? validateUserId(req.userId) : deps.newId();
    const { userType } = req;
    let decide;
    if (userType.case === "machine") {
      const input = { username: req.username || userType.value.name, name: userType.value.name, description: userType.value.description ?? "" };
      decide = (state: Parameters<typeof addMachineUser>[0]) => addMachineUser(state, input);
    } else if (userType.case === "human") {
      const human = userType.value;
      const passwordHash = human.passwordType.case === "password" ? await hashPassword(human.passwordType.value.password) : undefined;
      const input = toNewHuman({ ...human, username: req.username }, passwordHash);
      decide = (state: Parameters<typeof addHumanUser>[0]) => addHumanUser(state, input);
    } else {
      throw invalidArgument("USER-type-missing", "either human or machine is required");
    }
    const details = await handleCommand(deps.store, commandContext(ctx), userAggregate, userId, decide, orgId);
    return { id: userId, creationDate: timestamp(details.creationDate) };
  };
}

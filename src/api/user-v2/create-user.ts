import type { HandlerContext } from "@connectrpc/connect";
import type { CreateUserRequest } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { addHumanUser, addMachineUser } from "../../domain/user/create.js";
import { validateUserId } from "../../domain/user/decide.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { UserState } from "../../domain/user/state.js";
import { hashPassword } from "../../credentials/passwords.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { createUserIn } from "../../commands/org.js";
import { toNewHuman } from "./new-human.js";

export function createUserV2(deps: Deps) {
  return async (req: CreateUserRequest, ctx: HandlerContext) => {
    const access = accessOf(ctx);
    const userId = req.userId ? validateUserId(req.userId) : deps.newId();
    const { userType } = req;
    let decide: (state: UserState) => UserEvent[];
    if (userType.case === "machine") {
      const input = { username: req.username || userType.value.name, name: userType.value.name, description: userType.value.description ?? "" };
      decide = (state) => addMachineUser(state, input);
    } else if (userType.case === "human") {
      const human = userType.value;
      const passwordHash = human.passwordType.case === "password" ? await hashPassword(human.passwordType.value.password) : undefined;
      const input = toNewHuman({ ...human, username: req.username }, passwordHash);
      decide = (state) => addHumanUser(state, input);
    } else {
      throw invalidArgument("USER-type-missing", "either human or machine is required");
    }
    const details = await createUserIn(deps, access, { id: req.organizationId || access.principal.orgId }, userId, decide);
    return { id: userId, creationDate: timestamp(details.creationDate) };
  };
}

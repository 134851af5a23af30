import type { HandlerContext } from "@connectrpc/connect";
import { deactivateUser, lockUser, reactivateUser, removeUser, unlockUser, validateUserId } from "../../domain/user/decide.js";
import type { UserEvent } from "../../domain/user/events.js";
import { type UserState, userAggregate } from "../../domain/user/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../deps.js";

/** The five state changes share one shape: user id in, the user's new details out. */
export function userLifecycleV2(deps: Deps) {
  const change = (decide: (state: UserState) => UserEvent[]) => async (req: { userId: string }, ctx: HandlerContext) => {
    const details = await handleCommand(deps.store, commandContext(ctx), userAggregate, validateUserId(req.userId), decide);
    return { details: detailsV2(details) };
  };
  return {
    deactivateUser: change(deactivateUser),
    reactivateUser: change(reactivateUser),
    lockUser: change(lockUser),
    unlockUser: change(unlockUser),
    deleteUser: change(removeUser),
  };
}

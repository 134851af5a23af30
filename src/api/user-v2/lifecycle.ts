import type { HandlerContext } from "@connectrpc/connect";
import { changeUser } from "../../commands/user.js";
import type { Deps } from "../../commands/deps.js";
import { deactivateUser, lockUser, reactivateUser, removeUser, unlockUser } from "../../domain/user/decide.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { UserState } from "../../domain/user/state.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";

/** The five state changes share one shape: user id in, the user's new details out. */
export function userLifecycleV2(deps: Deps) {
  const change = (decide: (state: UserState) => UserEvent[]) => async (req: { userId: string }, ctx: HandlerContext) => {
    return { details: detailsV2(await changeUser(deps, accessOf(ctx), req.userId, decide)) };
  };
  return {
    deactivateUser: change(deactivateUser),
    reactivateUser: change(reactivateUser),
    lockUser: change(lockUser),
    unlockUser: change(unlockUser),
    deleteUser: change(removeUser),
  };
}

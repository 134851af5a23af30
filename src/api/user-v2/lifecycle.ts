import type { HandlerContext } from "@connectrpc/connect";
import type { Deps } from "../../commands/deps.js";
import * as lifecycle from "../../commands/user-lifecycle.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";

type UseCase = typeof lifecycle.deactivateUser;

/** The five state changes share one shape: user id in, the user's new details out. */
export function userLifecycleV2(deps: Deps) {
  const change = (useCase: UseCase) => async (req: { userId: string }, ctx: HandlerContext) => ({
    details: detailsV2(await useCase(deps, accessOf(ctx), req.userId)),
  });
  return {
    deactivateUser: change(lifecycle.deactivateUser),
    reactivateUser: change(lifecycle.reactivateUser),
    lockUser: change(lifecycle.lockUser),
    unlockUser: change(lifecycle.unlockUser),
    deleteUser: change(lifecycle.removeUser),
  };
}

import type { HandlerContext } from "@connectrpc/connect";
import type { Deps } from "../../commands/deps.js";
import { changeUser, readUser } from "../../commands/user.js";
import { deactivateUser, lockUser, reactivateUser, removeUser, unlockUser } from "../../domain/user/decide.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { UserState } from "../../domain/user/state.js";
import { accessOf } from "../context.js";
import { detailsV1 } from "../convert.js";
import { userV1 } from "./user-message.js";

/** The v1 user methods: the same use cases as v2, confined to the organization of the context. */
export function managementUsersV1(deps: Deps) {
  const change = (decide: (state: UserState) => UserEvent[]) => async (req: { id: string }, ctx: HandlerContext) => {
    const access = accessOf(ctx);
    return { details: detailsV1(await changeUser(deps, access, req.id, decide, { inOrg: access.orgContext })) };
  };
  return {
    deactivateUser: change(deactivateUser),
    reactivateUser: change(reactivateUser),
    lockUser: change(lockUser),
    unlockUser: change(unlockUser),
    removeUser: change(removeUser),
    async getUserByID(req: { id: string }, ctx: HandlerContext) {
      const access = accessOf(ctx);
      return { user: userV1(await readUser(deps, access, req.id, { inOrg: access.orgContext })) };
    },
  };
}

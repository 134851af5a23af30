import type { HandlerContext } from "@connectrpc/connect";
import { notFound } from "../../domain/errors.js";
import { deactivateUser, inOrg, lockUser, reactivateUser, removeUser, unlockUser, validateUserId } from "../../domain/user/decide.js";
import type { UserEvent } from "../../domain/user/events.js";
import { type UserState, userAggregate } from "../../domain/user/state.js";
import { handleCommand } from "../../eventstore/handle-command.js";
import { getUserById } from "../../projections/users/queries.js";
import { commandContext, orgContextOf } from "../context.js";
import { detailsV1 } from "../convert.js";
import type { Deps } from "../deps.js";
import { userV1 } from "./user-message.js";

/** The v1 user methods: the same domain commands as v2, confined to the organization of the context. */
export function managementUsersV1(deps: Deps) {
  const change = (decide: (state: UserState) => UserEvent[]) => async (req: { id: string }, ctx: HandlerContext) => {
    const details = await handleCommand(deps.store, commandContext(ctx), userAggregate, validateUserId(req.id), inOrg(orgContextOf(ctx), decide));
    return { details: detailsV1(details) };
  };
  return {
    deactivateUser: change(deactivateUser),
    reactivateUser: change(reactivateUser),
    lockUser: change(lockUser),
    unlockUser: change(unlockUser),
    removeUser: change(removeUser),
    async getUserByID(req: { id: string }, ctx: HandlerContext) {
      const row = await getUserById(deps.db, validateUserId(req.id));
      if (!row || row.resource_owner !== orgContextOf(ctx)) throw notFound("USER-not-found", "User could not be found");
      return { user: userV1(row) };
    },
  };
}

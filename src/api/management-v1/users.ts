import type { HandlerContext } from "@connectrpc/connect";
import type { Deps } from "../../commands/deps.js";
import { readUser } from "../../commands/user.js";
import * as lifecycle from "../../commands/user-lifecycle.js";
import { accessOf } from "../context.js";
import { detailsV1 } from "../convert.js";
import { userV1 } from "./user-message.js";

type UseCase = typeof lifecycle.deactivateUser;

/** The v1 user methods: the same use cases as v2, confined to the organization of the context. */
export function managementUsersV1(deps: Deps) {
  const change = (useCase: UseCase) => async (req: { id: string }, ctx: HandlerContext) => {
    const access = accessOf(ctx);
    return { details: detailsV1(await useCase(deps, access, req.id, { inOrg: access.orgContext })) };
  };
  return {
    deactivateUser: change(lifecycle.deactivateUser),
    reactivateUser: change(lifecycle.reactivateUser),
    lockUser: change(lifecycle.lockUser),
    unlockUser: change(lifecycle.unlockUser),
    removeUser: change(lifecycle.removeUser),
    async getUserByID(req: { id: string }, ctx: HandlerContext) {
      const access = accessOf(ctx);
      return { user: userV1(await deps.reads((db) => readUser({ db }, access, req.id, { inOrg: access.orgContext }))) };
    },
  };
}

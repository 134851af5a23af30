import * as decide from "../domain/user/decide.js";
import type { ObjectDetails } from "../eventstore/types.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import { changeUser, type UserScope } from "./user.js";

// The user lifecycle, once for every surface (v2, management v1, REST, /v1, SCIM, console, jobs). Each is
// `changeUser` with its decider: load → authorize on the user's organization → decide → append, with the
// last-owner rule on the way.

type LifecycleDeps = Pick<Deps, "store" | "now">;
type Options = Parameters<typeof changeUser>[4];

export const deactivateUser = (deps: LifecycleDeps, access: Access, userId: string, options?: Options): Promise<ObjectDetails> =>
  changeUser(deps, access, userId, decide.deactivateUser, options);

export const reactivateUser = (deps: LifecycleDeps, access: Access, userId: string, options?: Options): Promise<ObjectDetails> =>
  changeUser(deps, access, userId, decide.reactivateUser, options);

export const lockUser = (deps: LifecycleDeps, access: Access, userId: string, options?: Options): Promise<ObjectDetails> =>
  changeUser(deps, access, userId, decide.lockUser, options);

export const unlockUser = (deps: LifecycleDeps, access: Access, userId: string, options?: Options): Promise<ObjectDetails> =>
  changeUser(deps, access, userId, decide.unlockUser, options);

export const removeUser = (deps: LifecycleDeps, access: Access, userId: string, options?: Options): Promise<ObjectDetails> =>
  changeUser(deps, access, userId, decide.removeUser, options);

export type { UserScope };

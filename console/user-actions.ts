import type { Details } from "../gen/zitadel/object/v2/object_pb.js";
import { UserState } from "../gen/zitadel/user/v2/user_pb.js";
import { users } from "./api.js";

export const userStateName = (s: UserState) => (UserState[s] ?? "unspecified").replace("USER_STATE_", "").toLowerCase();

export interface UserAction {
  label: string;
  /** past tense, for messages */
  done: string;
  /** the states this action applies to, by the lifecycle rules (the server decides; this hides the impossible) */
  when: string[];
  run: (userId: string) => Promise<{ details?: Details }>;
  /** destructive or able to lock someone out: asked first */
  confirm?: string;
  danger?: boolean;
}

export const LOCK: UserAction = {
  label: "Lock",
  done: "locked",
  when: ["active", "initial"],
  run: (userId) => users.lockUser({ userId }),
  confirm: "A locked user cannot sign in, and none of its tokens work, until it is unlocked.",
};
export const UNLOCK: UserAction = { label: "Unlock", done: "unlocked", when: ["locked"], run: (userId) => users.unlockUser({ userId }) };
export const DEACTIVATE: UserAction = {
  label: "Deactivate",
  done: "deactivated",
  when: ["active", "locked"],
  run: (userId) => users.deactivateUser({ userId }),
  confirm: "A deactivated user cannot sign in, and none of its tokens work, until it is reactivated.",
};
export const REACTIVATE: UserAction = { label: "Reactivate", done: "reactivated", when: ["inactive"], run: (userId) => users.reactivateUser({ userId }) };
export const DELETE: UserAction = {
  label: "Delete",
  done: "deleted",
  when: ["active", "inactive", "locked", "initial"],
  run: (userId) => users.deleteUser({ userId }),
  confirm: "Deleting cannot be undone: the user and its tokens are gone for good, and its username becomes free.",
  danger: true,
};

export const USER_ACTIONS = [LOCK, UNLOCK, DEACTIVATE, REACTIVATE, DELETE];
/** What several users can be given at once. */
export const BULK_ACTIONS = [DEACTIVATE, REACTIVATE, LOCK];

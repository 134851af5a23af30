import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import type { ApiClient } from "./clients.js";
import { measure, type PassOptions, type PassResult } from "./stats.js";

/** The cycle every workload and baseline runs per user; it ends where it started (ACTIVE). */
export const cycle = ["lockUser", "unlockUser", "deactivateUser", "reactivateUser"] as const;
export type LifecycleCommand = (typeof cycle)[number];

/**
 * Each client takes the next user and runs the four commands on it in order, each timed alone; no two
 * clients share a user, so no command waits on a version conflict. 4 × users commands in all.
 */
export function runLifecycle(client: ApiClient, userIds: readonly string[], options: PassOptions): Promise<PassResult> {
  return measure(userIds, options, async (userId, time) => {
    for (const command of cycle) await time(() => client.call(UserService, command, { userId }));
  });
}

import { effectiveLockout } from "../../domain/settings/lockout.js";
import { userAggregate } from "../../domain/user/state.js";
import type { Logger } from "../../logger.js";
import { policyLocksPlacedBefore } from "../../projections/credentials/queries.js";
import type { Deps } from "../../commands/deps.js";
import { readLockoutSettings } from "../lockout-policy-v1/lockout-policy.js";
import { liftExpiredLockout } from "./password-check.js";

const BATCH = 100;

/**
 * Lifts policy locks that outlived the lockout duration, so that every read (GetUserByID, ListUsers) shows
 * such users ACTIVE within one interval; a login attempt lifts its own user's lock at once. Each unlock is
 * an ordinary command on the user's stream, so several instances sweeping at once record it only once.
 */
export function startLockoutSweeper(deps: Deps, log: Logger, intervalMs = 10_000) {
  let current: Promise<void> | undefined;
  const sweep = async () => {
    const policy = effectiveLockout((await readLockoutSettings(deps.store)).state, deps.lockout);
    if (!policy.lockoutDurationMs) return;
    const due = await policyLocksPlacedBefore(deps.db, new Date(deps.now().getTime() - policy.lockoutDurationMs), BATCH);
    for (const userId of due) {
      await deps.store.run({ creator: "system" }, async (session) => {
        liftExpiredLockout(session, await session.load(userAggregate, userId), policy, deps.now());
      });
    }
  };
  const timer = setInterval(() => {
    if (current) return;
    current = sweep()
      .catch((error: unknown) => log.error("lockout sweep failed", { cause: error instanceof Error ? error.message : String(error) }))
      .finally(() => (current = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

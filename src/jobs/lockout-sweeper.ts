import { failureFields } from "../observability/outage-log.js";
import { holdLease, newHolderId, releaseLease } from "../db/lease.js";
import type { Logger } from "../logger.js";
import type { Deps } from "../commands/deps.js";
import { sweepExpiredLockouts } from "../commands/lockout-policy.js";

const BATCH = 100;
const LEASE = "lockout-sweep";

/**
 * Lifts policy locks that outlived the lockout duration, so that every read (GetUserByID, ListUsers) shows
 * such users ACTIVE within one interval; a login attempt lifts its own user's lock at once. Each unlock is
 * an ordinary command on the user's stream, so it is recorded once even if two sweeps overlapped. Of all
 * processes on one database only the holder of the `lockout-sweep` lease sweeps; a killed holder's lease
 * expires after three intervals and another process takes over.
 */
export function startLockoutSweeper(deps: Deps, log: Logger, intervalMs = 10_000, holder = newHolderId()) {
  let current: Promise<void> | undefined;
  const sweep = async () => {
    if (!(await holdLease(deps.db, LEASE, holder, intervalMs * 3))) return;
    await sweepExpiredLockouts(deps, BATCH);
  };
  const timer = setInterval(() => {
    if (current) return;
    current = sweep()
      .catch((error: unknown) =>
        log.error("lockout sweep failed", failureFields(error)),
      )
      .finally(() => (current = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
      await releaseLease(deps.db, LEASE, holder).catch(() => {});
    },
  };
}

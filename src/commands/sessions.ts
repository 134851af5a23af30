import { orgAggregate } from "../domain/org/state.js";
import { requireLoginAllowed, startSession, terminateSession } from "../domain/session/decide.js";
import { existingUser } from "../domain/user/decide.js";
import { recordActivity } from "../domain/user/lifecycle.js";
import { userAggregate } from "../domain/user/state.js";
import { sessionAggregate } from "../domain/session/state.js";
import { handleCommand } from "../eventstore/handle-command.js";
import type { ObjectDetails } from "../eventstore/types.js";
import type { Deps } from "./deps.js";
import { loadLockoutPolicy } from "./lockout-policy.js";
import { checkPasswordInCommand, liftExpiredLockout } from "./password-check.js";

/** Ends a session the caller was found to hold (its token, or session.delete on its user). */
export function endSession(deps: Pick<Deps, "store">, creator: string, sessionId: string): Promise<ObjectDetails> {
  return handleCommand(deps.store, { creator }, sessionAggregate, sessionId, terminateSession);
}

export interface NewSession {
  sessionId: string;
  userId: string;
  tokenHash: string;
  /** Checks the password against whatever hash the command finds; none for a session without one. */
  verify?: (hash: string) => Promise<boolean>;
  lifetimeMs?: number;
  metadata: Record<string, string>;
}

/**
 * CreateSession: everything is judged in one command on the user's stream — an expired policy lock is
 * lifted, the user's and org's states decide, the password check is recorded, a sign-in with a password
 * counts as activity; a conflicting append re-runs it all. A wrong password is reported only after its
 * failed attempt (and any lock) committed.
 */
export async function createSession(deps: Pick<Deps, "store" | "now" | "lockout">, creator: string, input: NewSession): Promise<ObjectDetails> {
  const { verify } = input;
  const started = { userId: input.userId, tokenHash: input.tokenHash, passwordChecked: !!verify, lifetimeMs: input.lifetimeMs, metadata: input.metadata };
  const outcome = await deps.store.run({ creator }, async (session) => {
    const now = deps.now();
    const policy = await loadLockoutPolicy(session, deps.lockout);
    const user = await session.load(userAggregate, input.userId);
    const org = await session.load(orgAggregate, existingUser(user.state).orgId);
    liftExpiredLockout(session, user, policy, now);
    requireLoginAllowed(user.state, org.state, !!verify);
    const rejected = verify ? await checkPasswordInCommand(session, user, verify, policy) : undefined;
    if (rejected) return { rejected };
    if (verify) session.append(user, recordActivity(user.state, "password", now));
    const target = await session.load(sessionAggregate, input.sessionId);
    return { write: session.append(target, startSession(target.state, started, now), org.id) };
  });
  if ("rejected" in outcome) throw outcome.rejected;
  return outcome.write.details();
}

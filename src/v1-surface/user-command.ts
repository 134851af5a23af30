import type { Access } from "../commands/access.js";
import type { Deps } from "../commands/deps.js";
import { deactivateUser, reactivateUser } from "../commands/user-lifecycle.js";
import { DomainError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import { type Claim, ClaimLostError, type IdempotencyStore } from "./idempotency.js";
import { failure, inProgress, noContent, type Outcome } from "./responses.js";

/** The same use cases as every other API: no lifecycle rule is restated here. */
export const COMMANDS = { userDeactivate: deactivateUser, userActivate: reactivateUser } as const;
export type UserOperation = keyof typeof COMMANDS;

// A refusal is as final as a success (the same request would be refused again), so it is replayed too.
const isFinalRefusal = (error: unknown) =>
  error instanceof DomainError && (error.kind === "not_found" || error.kind === "failed_precondition");

/**
 * Runs the command. With a claim, a success records `done` inside the command's own transaction (events and
 * record commit together or not at all), a refusal records its outcome afterwards, and a fault gives the
 * claim back. A claim taken over meanwhile (we were presumed dead) answers 409 and commits nothing.
 */
export async function runUserCommand(
  deps: Deps & { log: Logger; idempotency: IdempotencyStore },
  operation: UserOperation,
  userId: string,
  actor: { access: Access; appOrg: string | null },
  claim: Claim | undefined,
): Promise<Outcome> {
  const inTransaction = claim && ((trx: Parameters<IdempotencyStore["complete"]>[0]) => deps.idempotency.complete(trx, claim, 204, null));
  try {
    await COMMANDS[operation](deps, actor.access, userId, { appOrg: actor.appOrg, inTransaction });
    return noContent;
  } catch (error) {
    if (error instanceof ClaimLostError) return inProgress;
    const outcome = failure(error, deps.log, operation);
    if (!claim) return outcome;
    if (!isFinalRefusal(error)) {
      await deps.idempotency.release(claim).catch(() => {}); // if this fails too, the claim expires as abandoned
      return outcome;
    }
    return deps.idempotency.complete(deps.db, claim, outcome.status, outcome.body ?? null).then(
      () => outcome,
      (lost) => (lost instanceof ClaimLostError ? inProgress : Promise.reject(lost)),
    );
  }
}

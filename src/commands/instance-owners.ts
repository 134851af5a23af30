import { sql } from "kysely";
import { failedPrecondition } from "../domain/errors.js";
import { INSTANCE_ID, instanceAggregate, isInstanceOwner } from "../domain/instance/instance.js";
import type { DomainEvent } from "../eventstore/types.js";
import type { CommandSession, PostWriteCheck } from "../eventstore/event-store.js";
import { someInstanceOwnerCanSignIn } from "../projections/access/queries.js";

export const LAST_OWNER = "INSTANCE-last-owner";

/** Events after which a user, or every user of an organization, can no longer sign in. */
const ENDS_SIGN_IN = new Set(["user.deactivated", "user.locked", "user.removed", "org.deactivated", "org.removed"]);

// One key for every command that may take away an instance owner's way in: such commands commit one
// after another, so two of them racing on the last two owners cannot both see the other one still there.
const OWNERS_LOCK = 0x1a57_0e1e;

/**
 * The last-owner rule, judged after the write inside its transaction: some instance owner must still be
 * able to sign in, or the instance could only be recovered from the command line (`npm run admin:recover`).
 */
const keepAnInstanceOwner = (now: () => Date): PostWriteCheck => async (trx) => {
  await sql`select pg_advisory_xact_lock(${OWNERS_LOCK})`.execute(trx);
  if (await someInstanceOwnerCanSignIn(trx, now())) return;
  throw failedPrecondition(
    LAST_OWNER,
    "This would leave the instance without an active instance owner (IAM_OWNER) who can sign in; keep at least one",
  );
};

const endsSignIn = (events: readonly DomainEvent[]) => events.some((event) => ENDS_SIGN_IN.has(event.type));

/** Guards a user command: when it ends the sign-in of an instance owner, the write must leave another. */
export async function guardOwnerUser(session: CommandSession, userId: string, events: readonly DomainEvent[], now: () => Date): Promise<void> {
  if (!endsSignIn(events)) return;
  const instance = await session.load(instanceAggregate, INSTANCE_ID);
  if (isInstanceOwner(instance.state, userId)) session.check(keepAnInstanceOwner(now));
}

/** Guards an organization command: deactivating or removing one may take every owner's way in with it. */
export function guardOwnerOrg(session: CommandSession, events: readonly DomainEvent[], now: () => Date): void {
  if (endsSignIn(events)) session.check(keepAnInstanceOwner(now));
}

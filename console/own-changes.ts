import type { LiveEvent } from "./live.js";

const acting = new Map<string, number>();
const produced = new Set<string>();
const createdUpTo = new Map<string, bigint>();

/**
 * Runs an action of this console on one object (user or organization id), so that its event is not
 * announced as a change made elsewhere: while the action runs, events on the object are its own; after
 * it answered, the event with the sequence of its answer is. Another client of the same principal is
 * "elsewhere" too: what counts is the action, not who signed in.
 */
export async function ownAction<T extends { details?: { sequence: bigint } }>(aggregateId: string, run: () => Promise<T>): Promise<T> {
  acting.set(aggregateId, (acting.get(aggregateId) ?? 0) + 1);
  try {
    const result = await run();
    if (result.details) produced.add(`${aggregateId}:${result.details.sequence}`);
    return result;
  } finally {
    acting.set(aggregateId, acting.get(aggregateId)! - 1);
  }
}

/** An object this console just created: its events up to the creation's answer are its own. */
export function markCreated(aggregateId: string, sequence: bigint | undefined): void {
  if (sequence !== undefined) createdUpTo.set(aggregateId, sequence);
}

/** True when the event is not the result of this console's own action. */
export function madeElsewhere(event: LiveEvent): boolean {
  if (produced.has(`${event.aggregateId}:${event.sequence}`)) return false;
  if (event.sequence <= (createdUpTo.get(event.aggregateId) ?? 0n)) return false;
  return (acting.get(event.aggregateId) ?? 0) === 0;
}

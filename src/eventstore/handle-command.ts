import type { CommandContext, EventStore } from "./event-store.js";
import type { Aggregate, DomainEvent, ObjectDetails } from "./types.js";

/**
 * The command skeleton for one aggregate: load its stream → decide on the folded state → append with
 * the expected version in one transaction (claims and projections included) → the object's details.
 * On a concurrent append the whole thing re-runs, so `decide` always judges the latest state.
 */
export async function handleCommand<S>(
  store: EventStore,
  context: CommandContext,
  aggregate: Aggregate<S, any>,
  id: string,
  decide: (state: S) => DomainEvent[],
  resourceOwner?: string,
): Promise<ObjectDetails> {
  const write = await store.run(context, async (session) => {
    const target = await session.load(aggregate, id);
    return session.append(target, decide(target.state), resourceOwner);
  });
  return write.details();
}

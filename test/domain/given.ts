import { expect } from "vitest";
import { DomainError, type ErrorKind } from "../../src/domain/errors.js";
import type { Aggregate, DomainEvent } from "../../src/eventstore/types.js";

/** When every given event happened, and in which organization. */
export const AT = new Date("2030-01-01T00:00:00Z");
export const ORG = "org-1";

/**
 * Given these events of one stream, when a decider runs on the state they fold to, then it answers exactly
 * these events, or refuses with exactly this kind and reason id. Pure: no store, no clock.
 */
export function given<S, E extends DomainEvent>(aggregate: Aggregate<S, E>, ...events: E[]) {
  const state = events.reduce(
    (s, e, i) => aggregate.evolve(s, { ...e, aggregateType: aggregate.type, aggregateId: "id-1", sequence: i + 1, position: i + 1, createdAt: AT, creator: "test", resourceOwner: ORG }),
    aggregate.initialState(),
  );
  return {
    state,
    when<R>(decide: (state: S) => R) {
      return {
        then: (expected: R) => expect(decide(state)).toEqual(expected),
        thenNothing: () => expect(decide(state)).toEqual([]),
        thenRefuses(kind: ErrorKind, id: string) {
          let refusal: unknown;
          try {
            decide(state);
          } catch (error) {
            refusal = error;
          }
          expect(refusal, "a refusal").toBeInstanceOf(DomainError);
          expect({ kind: (refusal as DomainError).kind, id: (refusal as DomainError).id }).toEqual({ kind, id });
        },
      };
    },
  };
}

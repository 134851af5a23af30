import type { StoredEvent } from "../eventstore/types.js";

/** The details columns every read model row carries: first and last event of the object. */
export function detailsColumns(stream: readonly StoredEvent[]) {
  const first = stream[0];
  const last = stream[stream.length - 1];
  return {
    resource_owner: first.resourceOwner,
    sequence: last.sequence,
    position: last.position,
    creation_date: first.createdAt,
    change_date: last.createdAt,
  };
}

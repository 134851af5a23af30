import type { StoredEvent } from "../eventstore/types.js";

/** The details columns every read model row carries: first and last event of the object. */
export function detailsColumns(stream: readonly StoredEvent[]) {
  const first = stream[0];
  const last = stream[stream.length - 1];
  return { ...createdDetails(first), ...changedDetails(last) };
}

/** The details of a row created by `event`, the object's first. */
export function createdDetails(event: StoredEvent) {
  return { resource_owner: event.resourceOwner, creation_date: event.createdAt, ...changedDetails(event) };
}

/** The details columns a later event of the object changes. */
export function changedDetails(event: StoredEvent) {
  return { sequence: event.sequence, position: event.position, change_date: event.createdAt };
}

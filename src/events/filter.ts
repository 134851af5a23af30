import { invalidArgument } from "../domain/errors.js";

/** What a reader asks for; every field narrows. */
export interface EventFilter {
  aggregateType?: string;
  aggregateId?: string;
  resourceOwner?: string;
  eventTypes?: string[];
  creator?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

const MAX_TEXT = 200;
const MAX_TYPES = 50;

function text(field: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length > MAX_TEXT) throw invalidArgument(`EVENTS-${field}-invalid`, `${field} must have at most ${MAX_TEXT} characters`);
  return value;
}

/** Checks a filter from the wire; InvalidArgument names the field. */
export function validFilter(input: EventFilter): EventFilter {
  const filter: EventFilter = {
    aggregateType: text("aggregate_type", input.aggregateType),
    aggregateId: text("aggregate_id", input.aggregateId),
    resourceOwner: text("resource_owner", input.resourceOwner),
    creator: text("creator", input.creator),
    eventTypes: (input.eventTypes ?? []).map((t) => text("event_types", t) ?? ""),
    createdAfter: input.createdAfter,
    createdBefore: input.createdBefore,
  };
  if (filter.aggregateId && !filter.aggregateType) {
    throw invalidArgument("EVENTS-aggregate_type-missing", "aggregate_id needs aggregate_type");
  }
  if ((filter.eventTypes ?? []).length > MAX_TYPES || filter.eventTypes?.some((t) => !t)) {
    throw invalidArgument("EVENTS-event_types-invalid", `event_types takes 1..${MAX_TYPES} non-empty names`);
  }
  for (const [field, date] of [["created_after", filter.createdAfter], ["created_before", filter.createdBefore]] as const) {
    if (date && Number.isNaN(date.getTime())) throw invalidArgument(`EVENTS-${field}-invalid`, `${field} is not a valid time`);
  }
  return filter;
}

/** The same filter applied in memory, to the events the shared reader fans out. */
export function matches(filter: EventFilter, event: { aggregateType: string; aggregateId: string; resourceOwner: string; type: string; creator: string; createdAt: Date }): boolean {
  return (
    (!filter.aggregateType || event.aggregateType === filter.aggregateType) &&
    (!filter.aggregateId || event.aggregateId === filter.aggregateId) &&
    (!filter.resourceOwner || event.resourceOwner === filter.resourceOwner) &&
    (!filter.eventTypes?.length || filter.eventTypes.includes(event.type)) &&
    (!filter.creator || event.creator === filter.creator) &&
    (!filter.createdAfter || event.createdAt >= filter.createdAfter) &&
    (!filter.createdBefore || event.createdAt < filter.createdBefore)
  );
}

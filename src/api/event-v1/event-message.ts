import { create } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type EventFilter as EventFilterMessage, EventSchema } from "../../../gen/lifecycle/event/v1/event_service_pb.js";
import type { EventFilter } from "../../events/filter.js";
import type { LogEvent } from "../../events/read.js";
import { redact } from "../../events/redact.js";
import { timestamp } from "../convert.js";

export function eventV1(event: LogEvent) {
  return create(EventSchema, {
    position: BigInt(event.position),
    type: event.type,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    sequence: BigInt(event.sequence),
    creationDate: timestamp(event.createdAt),
    creator: event.creator,
    resourceOwner: event.resourceOwner,
    payload: redact(event.payload) as JsonObject,
  });
}

export function filterFromRequest(filter: EventFilterMessage | undefined): EventFilter {
  if (!filter) return {};
  return {
    aggregateType: filter.aggregateType,
    aggregateId: filter.aggregateId,
    resourceOwner: filter.resourceOwner,
    eventTypes: filter.eventTypes,
    creator: filter.creator,
    createdAfter: filter.createdAfter ? timestampDate(filter.createdAfter) : undefined,
    createdBefore: filter.createdBefore ? timestampDate(filter.createdBefore) : undefined,
  };
}

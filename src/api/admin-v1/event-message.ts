import { create, type JsonObject } from "@bufbuild/protobuf";
import { EventSchema } from "../../../gen/zitadel/event_pb.js";
import type { LogEvent } from "../../events/read.js";
import { redact } from "../../events/redact.js";
import { timestamp } from "../convert.js";

/** An event in the platform's shape, with secrets removed as on every event API of this server. */
export function adminEvent(event: LogEvent & { editorDisplayName: string | null }) {
  return create(EventSchema, {
    editor: { userId: event.creator, displayName: event.editorDisplayName ?? "" },
    aggregate: { id: event.aggregateId, type: aggregateType(event.aggregateType), resourceOwner: event.resourceOwner },
    sequence: BigInt(event.sequence),
    creationDate: timestamp(event.createdAt),
    payload: redact(event.payload) as JsonObject,
    type: eventType(event.type),
  });
}

export const eventType = (type: string) => ({ type, localized: { key: `EventTypes.${type}`, localizedMessage: type } });
export const aggregateType = (type: string) => ({ type, localized: { key: `AggregateType.${type}`, localizedMessage: type } });

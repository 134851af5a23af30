import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ListEventsRequest } from "../../../gen/zitadel/admin_pb.js";
import type { Deps } from "../../commands/deps.js";
import { invalidArgument } from "../../domain/errors.js";
import { searchEvents } from "../../events/search.js";
import { adminEvent } from "./event-message.js";

// The platform's own cap; a limit of 0 means as many as allowed.
const MAX_LIMIT = 1000;
const MAX_TEXT = 200;
const MAX_TYPES = 50;

function text(field: string, value: string): string | undefined {
  if (value.length > MAX_TEXT) throw invalidArgument(`EVENTS-${field}-invalid`, `${field} must have at most ${MAX_TEXT} characters`);
  return value || undefined;
}

function names(field: string, values: string[]): string[] {
  if (values.length > MAX_TYPES || values.some((v) => !v || v.length > MAX_TEXT)) {
    throw invalidArgument(`EVENTS-${field}-invalid`, `${field} takes up to ${MAX_TYPES} non-empty names`);
  }
  return values;
}

/**
 * As the platform: newest first unless `asc`; `from` (or the deprecated `creation_date`) bounds the creation
 * date from the side the order moves to; `range` replaces both.
 */
export function listEventsAdminV1(deps: Deps) {
  return async (req: ListEventsRequest) => {
    if (req.sequence > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument("EVENTS-sequence-invalid", "sequence is too large");
    let from = req.creationDate ? timestampDate(req.creationDate) : undefined;
    if (req.creationDateFilter.case === "from") from = timestampDate(req.creationDateFilter.value);
    let createdAfter = req.asc ? from : undefined;
    let createdBefore = req.asc ? undefined : from;
    if (req.creationDateFilter.case === "range") {
      const { since, until } = req.creationDateFilter.value;
      createdAfter = since ? timestampDate(since) : undefined;
      createdBefore = until ? timestampDate(until) : undefined;
    }
    const search = {
      sequenceAfter: Number(req.sequence),
      limit: req.limit === 0 || req.limit > MAX_LIMIT ? MAX_LIMIT : req.limit,
      ascending: req.asc,
      editorUserId: text("editor_user_id", req.editorUserId),
      eventTypes: names("event_types", req.eventTypes),
      aggregateId: text("aggregate_id", req.aggregateId),
      aggregateTypes: names("aggregate_types", req.aggregateTypes),
      resourceOwner: text("resource_owner", req.resourceOwner),
      createdAfter,
      createdBefore,
    };
    const events = await deps.reads((db) => searchEvents(db, search));
    return { events: events.map(adminEvent) };
  };
}

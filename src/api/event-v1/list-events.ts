import type { HandlerContext } from "@connectrpc/connect";
import type { ListEventsRequest } from "../../../gen/lifecycle/event/v1/event_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import type { Db } from "../../db/database.js";
import { invalidArgument } from "../../domain/errors.js";
import { authorizeEventRead } from "../../commands/event-access.js";
import { validFilter } from "../../events/filter.js";
import { cursorAt, readEvents } from "../../events/read.js";
import { accessOf } from "../context.js";
import { eventV1, filterFromRequest } from "./event-message.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** A page of history in commit order; `next_position` continues it. */
export function listEventsV1(deps: Deps) {
  return async (req: ListEventsRequest, ctx: HandlerContext) => {
    const filter = validFilter(filterFromRequest(req.filter));
    if (req.limit > MAX_LIMIT) throw invalidArgument("EVENTS-limit-invalid", `limit must be at most ${MAX_LIMIT}`);
    authorizeEventRead(accessOf(ctx), filter);
    const events = await deps.reads(async (db) => {
      const after = await startCursor(db, req.afterPosition);
      return readEvents(db, { filter, after, beforePosition: Number(req.beforePosition), limit: req.limit || DEFAULT_LIMIT });
    });
    return { events: events.map(eventV1), nextPosition: events.length ? BigInt(events.at(-1)!.position) : req.afterPosition };
  };
}

/** Where a page or stream resumes: right after the event at this position, which must exist. */
export async function startCursor(db: Db, position: bigint) {
  if (position > BigInt(Number.MAX_SAFE_INTEGER)) throw unknownPosition();
  const cursor = await cursorAt(db, Number(position));
  if (!cursor) throw unknownPosition();
  return cursor;
}

const unknownPosition = () => invalidArgument("EVENTS-position-unknown", "No event has this position; resume from a position the server sent");

import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { type WatchEventsRequest, type WatchEventsResponse, WatchEventsResponseSchema } from "../../../gen/lifecycle/event/v1/event_service_pb.js";
import type { Access } from "../../commands/access.js";
import type { Deps } from "../../commands/deps.js";
import { DomainError } from "../../domain/errors.js";
import { authorizeEventRead } from "../../commands/event-access.js";
import { compareCursors, type Cursor } from "../../events/cursor.js";
import { type EventFilter, matches, validFilter } from "../../events/filter.js";
import { type EventHub, HubClosedError } from "../../events/hub.js";
import { readEvents } from "../../events/read.js";
import { principalForToken } from "../auth/principal.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";
import { eventV1, filterFromRequest } from "./event-message.js";
import { startCursor } from "./list-events.js";

const BACKLOG_PAGE = 500;

const fellBehind = () =>
  new DomainError("resource_exhausted", "EVENTS-watcher-too-slow", "The stream fell too far behind; resume from the last position received");

const shuttingDown = () =>
  new DomainError("unavailable", "EVENTS-server-shutting-down", "The server is shutting down; resume from the last position received");

/**
 * Backlog, then live events, in commit order without gaps or repeats: the backlog is read up to the place
 * where this watcher joined the shared reader, and live events come after it.
 */
export function watchEventsV1(deps: Deps, hub: EventHub) {
  return async function* (req: WatchEventsRequest, ctx: HandlerContext): AsyncGenerator<WatchEventsResponse> {
    const filter = validFilter(filterFromRequest(req.filter));
    const access = accessOf(ctx);
    authorizeEventRead(access, filter);
    const from = req.fromNow ? undefined : await startCursor(deps.db, req.fromPosition);
    const { heartbeatMs, recheckMs } = hub.options;
    // The watcher leaves the hub when the call's signal aborts, however the stream ends (cancel, reset,
    // dead socket, timeout): this generator may be stuck in a write to a dead connection by then.
    const subscription = await hub.subscribe((event) => matches(filter, event), ctx.signal);
    try {
      let cursor: Cursor = from ?? subscription.start;
      // 1. The backlog, up to where the live queue starts.
      while (!subscription.closed && compareCursors(cursor, subscription.start) < 0) {
        const page = await readEvents(deps.db, { filter, after: cursor, upTo: subscription.start, limit: BACKLOG_PAGE });
        for (const event of page) {
          if (hub.ended) throw shuttingDown();
          yield create(WatchEventsResponseSchema, { kind: { case: "event", value: eventV1(event) } });
          cursor = event.cursor;
        }
        if (page.length < BACKLOG_PAGE) break;
      }
      // 2. Live events as the shared reader finds them; heartbeats and permission checks between.
      let lastSent = Date.now();
      let lastCheck = Date.now();
      while (!ctx.signal.aborted) {
        if (Date.now() - lastCheck >= recheckMs) {
          await recheck(deps, access, ctx, filter);
          lastCheck = Date.now();
        }
        const wait = Math.max(0, Math.min(lastSent + heartbeatMs, lastCheck + recheckMs) - Date.now());
        const next = await subscription.next(wait, ctx.signal);
        if (next === "closed") break;
        if (next === "overflow") throw fellBehind();
        if (next === "ended") throw shuttingDown();
        if (next && compareCursors(next.cursor, cursor) > 0) {
          yield create(WatchEventsResponseSchema, { kind: { case: "event", value: eventV1(next) } });
          cursor = next.cursor;
          lastSent = Date.now();
        } else if (!next && Date.now() - lastSent >= heartbeatMs) {
          yield create(WatchEventsResponseSchema, { kind: { case: "heartbeat", value: { time: timestamp(deps.now()) } } });
          lastSent = Date.now();
        }
      }
      // Left the hub without the client going away: the server is shutting down.
      if (!ctx.signal.aborted) throw new HubClosedError();
    } finally {
      subscription.close();
    }
  };
}

/** A long stream is authorized again from time to time: a deactivated or demoted watcher stops. */
async function recheck(deps: Deps, access: Access, ctx: HandlerContext, filter: EventFilter): Promise<void> {
  const token = (ctx.requestHeader.get("authorization") ?? "").split(" ")[1] ?? "";
  const principal = await principalForToken(deps.db, token, deps.now());
  if (!principal) throw new DomainError("unauthenticated", "AUTH-no-valid-token", "Missing or invalid token");
  authorizeEventRead({ ...access, principal }, filter);
}

/**
 * The console's one use of the event stream service: its generated client, the event type and the filter
 * live here only, so moving the service to another proto package changes this file alone.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { EventService, type Event } from "../gen/lifecycle/event/v1/event_service_pb.js";
import { transport } from "./api.js";

export type LiveEvent = Event;
export interface LiveFilter {
  aggregateType?: string;
  aggregateId?: string;
  resourceOwner?: string;
}
export type LiveState = { kind: "live" } | { kind: "reconnecting"; why: string } | { kind: "ended"; error: unknown };

const client = createClient(EventService, transport);

// Worth another try after a pause; anything else (no token, no permission, gone) ends the stream for good.
const TRANSIENT = new Set([Code.Unavailable, Code.ResourceExhausted, Code.DeadlineExceeded, Code.Internal, Code.Unknown, Code.Aborted]);
const MAX_PAUSE_MS = 30_000;

/**
 * Streams the matching events (the history first unless `fromNow`), each to `onEvent` in order; after a
 * transient failure it resumes after the last event received, pausing 1 s, 2 s, 4 s … up to 30 s. Returns a
 * function that stops it; aborting `signal` stops it too.
 */
export function watchEvents(
  filter: LiveFilter,
  options: { fromNow?: boolean; signal: AbortSignal; onEvent: (event: LiveEvent) => void | Promise<void>; onState?: (state: LiveState) => void },
): () => void {
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  void (async () => {
    let last = 0n;
    let pauseMs = 1_000;
    while (!signal.aborted) {
      try {
        const stream = client.watchEvents({ filter, fromPosition: last, fromNow: options.fromNow && last === 0n }, { signal });
        for await (const res of stream) {
          options.onState?.({ kind: "live" });
          pauseMs = 1_000;
          if (res.kind.case !== "event") continue;
          last = res.kind.value.position;
          await options.onEvent(res.kind.value);
          if (signal.aborted) return;
        }
        // The server closed the stream without an error (a restart): resume like after a failure.
        throw new ConnectError("stream ended", Code.Unavailable);
      } catch (error) {
        if (signal.aborted) return;
        const e = ConnectError.from(error);
        if (!TRANSIENT.has(e.code)) return options.onState?.({ kind: "ended", error });
        options.onState?.({ kind: "reconnecting", why: Code[e.code] ?? String(e.code) });
        await new Promise((r) => setTimeout(r, pauseMs));
        pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
      }
    }
  })();
  return () => stop.abort();
}

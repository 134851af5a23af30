import type { Cursor } from "./cursor.js";
import type { LogEvent } from "./read.js";

/** One watcher's bounded queue of live events, fed by the shared reader. */
export class Subscription {
  private queue: LogEvent[] = [];
  private wake?: () => void;
  /** Set when the watcher fell `limit` events behind: it must end and resume from its last position. */
  overflowed = false;
  /** Set once it left the hub: no more events come. */
  closed = false;
  /** Set when the server shuts down: the watcher must end with a status that says "resume elsewhere". */
  ended = false;

  constructor(
    /** Live events are those after this place; the watcher reads anything before it as backlog. */
    readonly start: Cursor,
    private readonly accept: (event: LogEvent) => boolean,
    private readonly limit: number,
    private readonly onClose: () => void,
  ) {}

  offer(event: LogEvent): void {
    if (this.closed || this.overflowed || !this.accept(event)) return;
    if (this.queue.length >= this.limit) {
      this.overflowed = true;
      this.queue = [];
    } else {
      this.queue.push(event);
    }
    this.wake?.();
  }

  /** The server is shutting down: wake the watcher so it ends its stream. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /**
   * The next live event; undefined when `ms` passed or the signal aborted first; "overflow" when it fell
   * behind; "closed" once it left the hub; "ended" on shutdown.
   */
  async next(ms: number, signal: AbortSignal): Promise<LogEvent | "overflow" | "closed" | "ended" | undefined> {
    if (this.ended) return "ended";
    if (!this.closed && !this.overflowed && this.queue.length === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done, { once: true });
        this.wake = done;
        function done() {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        }
      });
      this.wake = undefined;
    }
    if (this.closed) return "closed";
    if (this.overflowed) return "overflow";
    if (this.ended) return "ended";
    return this.queue.shift();
  }

  /** Leaves the hub; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.onClose();
    this.wake?.();
  }
}

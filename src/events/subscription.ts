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

  /**
   * The next live event; undefined when `ms` passed or the signal aborted first; "overflow" when it fell
   * behind; "closed" once it left the hub.
   */
  async next(ms: number, signal: AbortSignal): Promise<LogEvent | "overflow" | "closed" | undefined> {
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

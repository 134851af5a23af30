import type { Db } from "../db/database.js";
import { isDatabaseDown } from "../db/faults.js";
import type { Logger } from "../logger.js";
import { DATABASE_DOWN } from "../observability/outage-log.js";
import type { Cursor } from "./cursor.js";
import { type LogEvent, readEvents, safeHead } from "./read.js";
import { Subscription } from "./subscription.js";

export interface WatchOptions {
  /** How often the shared reader looks for new events while anyone watches (EVENTS_POLL_INTERVAL). */
  pollIntervalMs: number;
  /** Live events a watcher may fall behind before its stream ends with ResourceExhausted (EVENTS_WATCH_BUFFER). */
  bufferLimit: number;
  /** A heartbeat after this long without a message (EVENTS_WATCH_HEARTBEAT). */
  heartbeatMs: number;
  /** How often a watcher's token and permission are checked again (EVENTS_WATCH_RECHECK). */
  recheckMs: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = { pollIntervalMs: 100, bufferLimit: 10_000, heartbeatMs: 15_000, recheckMs: 10_000 };

const BATCH = 500;

export class HubClosedError extends Error {
  constructor() {
    super("the server is shutting down");
  }
}
const hubClosed = () => new HubClosedError();

/**
 * The one database reader of a process: while anyone watches, it reads every new event in commit order
 * (below the oldest running transaction) and offers it to each watcher's queue. Idle, it queries nothing
 * and forgets its place; the next watcher starts it at the current head.
 */
export class EventHub {
  private readonly subscriptions = new Set<Subscription>();
  /** The last event offered to the watchers; undefined while idle. */
  private head?: Cursor;
  private wake?: () => void;
  private closed = false;
  private ending = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly db: Db,
    readonly options: WatchOptions,
    private readonly log: Logger,
  ) {
    this.loop = this.run();
  }

  private get batchSize(): number {
    return Math.max(1, Math.min(BATCH, this.options.bufferLimit));
  }

  /** The position of the last event offered to the watchers; undefined while idle. */
  get position(): number | undefined {
    return this.head?.position;
  }

  get watchers(): number {
    return this.subscriptions.size;
  }

  /**
   * A queue of every event accepted by `accept` that commits after the subscription's `start`. It leaves
   * the hub when closed, when `signal` aborts (the stream ended, however it ended), or when the hub closes:
   * whichever comes first, so a stream whose writer is stuck on a dead connection holds no watcher.
   */
  async subscribe(accept: (event: LogEvent) => boolean, signal?: AbortSignal): Promise<Subscription> {
    if (this.closed) throw hubClosed();
    while (!this.head) {
      const head = await safeHead(this.db);
      this.head ??= head;
    }
    if (signal?.aborted) throw signal.reason ?? new Error("the stream ended before it joined");
    if (this.closed) throw hubClosed();
    // Synchronous from the check above: no batch can be offered between reading head and joining.
    const leave = () => {
      signal?.removeEventListener("abort", leave);
      this.subscriptions.delete(subscription);
    };
    const subscription: Subscription = new Subscription(this.head, accept, this.options.bufferLimit, leave);
    signal?.addEventListener("abort", () => subscription.close(), { once: true });
    this.subscriptions.add(subscription);
    if (this.ending) subscription.end();
    this.wake?.();
    return subscription;
  }

  /** Shutdown, first step: every open watcher ends now (its client resumes elsewhere); new ones are refused. */
  endStreams(): void {
    this.ending = true;
    for (const subscription of this.subscriptions) subscription.end();
  }

  get ended(): boolean {
    return this.ending;
  }

  /** Ends every subscription (their streams end at once) and stops the reader. */
  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.close();
    this.wake?.();
    await this.loop;
    this.head = undefined;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.subscriptions.size === 0 || !this.head) {
        this.head = undefined;
        await this.sleep(Number.POSITIVE_INFINITY);
        continue;
      }
      let batch: LogEvent[] = [];
      try {
        // A batch is offered at once: never more than a queue holds, so a burst alone cannot overflow one.
        batch = await readEvents(this.db, { after: this.head, limit: this.batchSize });
      } catch (error) {
        // Watchers keep waiting (and get heartbeats); the reader tries again after a pause.
        this.log.warn("event reader: query failed, retrying", { cause: String(error), ...(isDatabaseDown(error) ? DATABASE_DOWN : {}) });
        await this.sleep(Math.max(this.options.pollIntervalMs, 1000));
        continue;
      }
      for (const event of batch) {
        for (const subscription of this.subscriptions) subscription.offer(event);
        this.head = event.cursor;
      }
      if (batch.length < this.batchSize) await this.sleep(Math.max(10, this.options.pollIntervalMs));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.wake = done;
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
    });
  }
}

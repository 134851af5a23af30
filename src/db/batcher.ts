import { databaseDeadline, withDatabaseDeadline } from "./budget.js";

/**
 * Group commit for statements: calls that arrive while `maxInFlight` batches of the same statement are
 * already running wait, and go together as ONE statement when a slot frees. Under load every round trip
 * (a syscall on each side, a backend wake-up, a parse and a commit) is shared by the whole batch; at low
 * load a call goes out on the next turn of the event loop, alone, as it would without batching.
 *
 * Unlike a per-tick loader (DataLoader), the batch grows with the load: it is everything that queued up
 * behind the statements in flight. Nothing is cached: each call gets the database's answer of its batch.
 */
export interface BatchOptions {
  /**
   * batches of this statement running at once; more calls queue behind them. Default 8: a commit waits for
   * the disk, and with 2 a half-loaded server already queued (p50 33 ms at half the peak rate, 9 ms with 8).
   */
  maxInFlight?: number;
  /** at most this many calls in one statement */
  maxBatch?: number;
}

export type BatchRunner<K, R> = (keys: K[]) => Promise<R[]>;

/**
 * What a call touches: calls that share a key never go in one batch (a later one waits for the next), and
 * "alone" goes in a batch of its own. For writes that one statement must not apply twice to one row.
 */
export type ConflictKeys<K> = (key: K) => string[] | "alone";

interface Waiting<K, R> {
  key: K;
  /** the caller's database deadline (db/budget.ts); a batch runs within the earliest of its callers' */
  deadline: number | undefined;
  /** its conflict keys, worked out once when it queues (it may wait through several dispatches) */
  conflicts: string[] | "alone";
  resolve(result: R): void;
  reject(error: unknown): void;
}

export function createBatcher<K, R>(run: BatchRunner<K, R>, options: BatchOptions = {}, conflictKeys?: ConflictKeys<K>): (key: K) => Promise<R> {
  const maxInFlight = options.maxInFlight ?? 8;
  const maxBatch = options.maxBatch ?? 64;
  let queue: Waiting<K, R>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const dispatch = () => {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };
  // Dispatched after the current I/O turn, so every request that turn brought in joins.
  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(dispatch);
  };
  const takeBatch = (): Waiting<K, R>[] => {
    const batch: Waiting<K, R>[] = [];
    const rest: Waiting<K, R>[] = [];
    const taken = new Set<string>();
    let closed = false;
    for (const waiting of queue) {
      const { conflicts } = waiting;
      const fits = !closed && batch.length < maxBatch && (conflicts === "alone" ? batch.length === 0 : conflicts.every((k) => !taken.has(k)));
      if (!fits) {
        rest.push(waiting);
        continue;
      }
      batch.push(waiting);
      if (conflicts === "alone") closed = true;
      else for (const k of conflicts) taken.add(k);
    }
    queue = rest;
    return batch;
  };
  const runBatch = async (batch: Waiting<K, R>[]) => {
    // The earliest: no caller waits past its own budget (a later one may fail early, only when the database is slow anyway).
    const given = batch.map((w) => w.deadline).filter((d): d is number => d !== undefined);
    const deadline = given.length > 0 ? Math.min(...given) : undefined;
    try {
      const results = await withDatabaseDeadline(deadline, () => run(batch.map((w) => w.key)));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };

  return (key) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ key, deadline: databaseDeadline(), conflicts: conflictKeys?.(key) ?? [], resolve, reject });
      schedule();
    });
}

const perDatabase = new WeakMap<object, Map<string, (key: any) => Promise<any>>>();

/** The batcher of one statement on one database (a pool or PGlite), made on first use. */
export function batcherOn<K, R>(
  db: object,
  name: string,
  run: BatchRunner<K, R>,
  options?: BatchOptions,
  conflictKeys?: ConflictKeys<K>,
): (key: K) => Promise<R> {
  let batchers = perDatabase.get(db);
  if (!batchers) perDatabase.set(db, (batchers = new Map()));
  let batcher = batchers.get(name);
  if (!batcher) batchers.set(name, (batcher = createBatcher(run, options, conflictKeys)));
  return batcher;
}

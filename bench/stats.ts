/** Throughput and latency of one measured pass. Latencies in milliseconds. */
export interface PassResult {
  ops: number;
  errors: number;
  firstError?: string;
  seconds: number;
  opsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface PassOptions {
  concurrency: number;
  /** Open loop: start operations on a fixed schedule of this many per second (latency counts from the slot). */
  rate?: number;
}

/** Times one operation; the step of an item calls it once per operation it performs. */
export type Timer = (op: () => Promise<unknown>) => Promise<void>;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `step` for every item with `concurrency` workers pulling from one queue, so two workers never
 * touch the same item. A step times each of its operations with the timer it is handed. In open-loop
 * mode an operation waits for its slot and its latency counts from the slot, not from when a worker
 * got free: a stalled server shows up as latency instead of quietly lowering the offered load.
 */
export async function measure<T>(items: readonly T[], options: PassOptions, step: (item: T, time: Timer) => Promise<void>): Promise<PassResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let nextItem = 0;
  let nextSlot = 0;
  const start = performance.now();
  const interval = options.rate ? 1000 / options.rate : 0;

  const time: Timer = async (op) => {
    let from = performance.now();
    if (interval) {
      const slot = start + nextSlot++ * interval;
      if (slot > from) await sleep(slot - from);
      from = slot;
    }
    try {
      await op();
    } catch (error) {
      errors++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
    latencies.push(performance.now() - from);
  };

  const worker = async () => {
    while (nextItem < items.length) await step(items[nextItem++], time);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const seconds = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    ops: latencies.length,
    errors,
    firstError,
    seconds: round(seconds, 3),
    opsPerSec: round(latencies.length / seconds, 0),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

/** `count` draws of `pool`, spread evenly so that every element is used about equally often. */
export function spread<T>(pool: readonly T[], count: number): T[] {
  return Array.from({ length: count }, (_, i) => pool[(i * 7919) % pool.length]);
}

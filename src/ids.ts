import { randomInt } from "node:crypto";

// Custom epoch (2020-01-01) keeps ids short; 41 bits of milliseconds last until 2089.
const EPOCH = 1577836800000n;

/**
 * 64-bit time-ordered ids as decimal strings (like "69629023906488334"): milliseconds since the epoch,
 * a 10-bit random node id (several instances on one database) and a 12-bit per-millisecond counter.
 */
export function createIdGenerator(now: () => number = Date.now): () => string {
  const node = BigInt(randomInt(1024));
  let lastMs = 0n;
  let counter = 0n;
  return () => {
    let ms = BigInt(now()) - EPOCH;
    if (ms <= lastMs) {
      ms = lastMs;
      counter = (counter + 1n) & 0xfffn;
      // 4096 ids in one millisecond: borrow the next millisecond rather than repeat an id.
      if (counter === 0n) ms = lastMs + 1n;
    } else {
      counter = 0n;
    }
    lastMs = ms;
    return ((ms << 22n) | (node << 12n) | counter).toString();
  };
}

/**
 * A token bucket per API key: `perMinute` requests in a burst, refilled continuously at `perMinute` per
 * minute. Deliberately in-process: each instance limits what it serves, so N instances allow up to N times
 * the limit. That bounds abuse without a database round trip per request; a shared limit would need one.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; when none is left, says how many seconds until there is one. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const at = this.now();
    const perMs = this.perMinute / 60_000;
    const previous = this.buckets.get(key);
    const tokens = previous ? Math.min(this.perMinute, previous.tokens + (at - previous.at) * perMs) : this.perMinute;
    if (this.buckets.size > 10_000) this.forgetIdle(at, perMs);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at });
      return { ok: true };
    }
    this.buckets.set(key, { tokens, at });
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  }

  /** A bucket that has refilled completely is the same as none: drop it, so the map stays small. */
  private forgetIdle(at: number, perMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (at - bucket.at) * perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}

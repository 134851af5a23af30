import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/v1-surface/rate-limit.js";

describe("RateLimiter (token bucket per API key)", () => {
  it("allows a burst of the per-minute limit, then one request per refilled token, and says when", () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take("b")).toEqual({ ok: true });
    now += 999;
    expect(limiter.take("a").ok).toBe(false);
    now += 1;
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a").ok).toBe(false);
  });

  it("computes Retry-After from the refill rate and never refills past the limit", () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.take("k").ok && limiter.take("k").ok).toBe(true);
    expect(limiter.take("k")).toEqual({ ok: false, retryAfterSeconds: 30 });
    now += 3_600_000;
    expect([limiter.take("k").ok, limiter.take("k").ok, limiter.take("k").ok]).toEqual([true, true, false]);
  });
});

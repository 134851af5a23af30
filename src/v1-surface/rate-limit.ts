import { sql } from "kysely";
import type { Db } from "../db/database.js";

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A token bucket per API key, held in the database so that every instance spends the same budget:
 * `perMinute` requests in a burst, refilled continuously at `perMinute` per minute. One statement per
 * request: the upsert refills, takes a token if there is one and says whether it did; concurrent requests of
 * one key queue on its row, so the budget is never overspent, however many instances serve the key. A clock
 * that runs behind another instance's refills nothing (never a negative refill).
 */
export class RateLimiter {
  constructor(
    private readonly db: Db,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; when none is left, says how many seconds until there is one. */
  async take(key: string): Promise<RateDecision> {
    const limit = this.perMinute;
    const perMs = limit / 60_000;
    const refilled = sql`least(${limit}::float8, b.tokens + greatest(excluded.counted_at_ms - b.counted_at_ms, 0) * ${perMs}::float8)`;
    const { rows } = await sql<{ tokens: number; last_taken: boolean }>`
      insert into v1_rate_limits as b (api_key_id, tokens, counted_at_ms, last_taken)
      values (${key}, ${limit - 1}::float8, ${this.now()}::float8, true)
      on conflict (api_key_id) do update set
        tokens = ${refilled} - case when ${refilled} >= 1 then 1 else 0 end,
        last_taken = ${refilled} >= 1,
        counted_at_ms = greatest(b.counted_at_ms, excluded.counted_at_ms)
      returning tokens, last_taken`.execute(this.db);
    const { tokens, last_taken } = rows[0];
    if (last_taken) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - Number(tokens)) / perMs / 1000)) };
  }
}

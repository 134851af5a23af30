import { sql } from "kysely";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Db } from "../db/database.js";

export interface DeliveryMetrics {
  observe(outcome: "delivered" | "failed" | "gone" | "dead", latencyMs: number): void;
  /** The delivery loop sent one statement to the database. */
  queried(): void;
}

/**
 * Deliveries by outcome and latency (this process), and, read from the database when scraped: per target the
 * lag in events (matching deliveries not yet delivered) and in seconds (age of the oldest), and the retry
 * queue depth (pending deliveries that failed at least once).
 */
export function deliveryMetrics(registry: Registry, db: Db): DeliveryMetrics {
  const outcomes = new Counter({ name: "delivery_attempts_total", help: "Delivery attempts by outcome (delivered, failed, gone, dead).", labelNames: ["outcome"], registers: [registry] });
  const latency = new Histogram({ name: "delivery_attempt_duration_seconds", help: "Time of one delivery attempt, connect to answer.", buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const statements = new Counter({ name: "delivery_loop_queries_total", help: "Statements the delivery loop sent to the database (none while no target is active).", registers: [registry] });
  type Row = { target_id: string; n: number; oldest: number | null; retrying: number };
  // One query per scrape, shared by the three gauges (the registry collects them concurrently).
  let snapshot: { at: number; rows: Promise<Row[]> } | undefined;
  const pending = () => {
    if (!snapshot || Date.now() - snapshot.at > 1000) {
      const rows = sql<Row>`
        select target_id, count(*)::int as n, extract(epoch from now() - min(event_created_at))::float8 as oldest,
               count(*) filter (where attempts > 0)::int as retrying
        from deliveries where state = 'pending' group by target_id`
        .execute(db)
        .then((r) => r.rows);
      snapshot = { at: Date.now(), rows };
    }
    return snapshot.rows;
  };
  new Gauge({
    name: "delivery_lag_events",
    help: "Deliveries of a target not yet delivered (pending), per target.",
    labelNames: ["target"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await pending()) this.set({ target: r.target_id }, r.n);
    },
  });
  new Gauge({
    name: "delivery_lag_seconds",
    help: "Age of a target's oldest undelivered event, per target.",
    labelNames: ["target"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await pending()) this.set({ target: r.target_id }, Number(r.oldest ?? 0));
    },
  });
  new Gauge({
    name: "delivery_retry_queue_depth",
    help: "Pending deliveries that have failed at least once.",
    registers: [registry],
    async collect() {
      this.set((await pending()).reduce((sum, r) => sum + r.retrying, 0));
    },
  });
  return {
    observe(outcome, ms) {
      outcomes.inc({ outcome });
      latency.observe(ms / 1000);
    },
    queried() {
      statements.inc();
    },
  };
}

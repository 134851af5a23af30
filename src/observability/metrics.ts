import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { clusterMetricsInWorker } from "./cluster-metrics.js";

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export type Protocol = "grpc" | "grpc-web" | "connect" | "rest" | "scim";

export interface RpcLabels {
  grpc_service: string;
  grpc_method: string;
  protocol: Protocol;
}

/**
 * One registry per server (tests run several in one process). Names follow go-grpc-prometheus
 * (`grpc_server_*`, codes spelled as Go prints them: OK, NotFound, …) plus a `protocol` label.
 */
export function createMetrics(poolStats?: () => PoolStats) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ["grpc_service", "grpc_method", "protocol"] as const;
  const started = new Counter({ name: "grpc_server_started_total", help: "RPCs started on the server.", labelNames, registers: [registry] });
  const handled = new Counter({ name: "grpc_server_handled_total", help: "RPCs completed on the server, by status code.", labelNames: [...labelNames, "grpc_code"], registers: [registry] });
  const seconds = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "Time from the start of an RPC to its status, in seconds.",
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const appended = new Counter({ name: "eventstore_events_appended_total", help: "Events appended to the event log.", registers: [registry] });
  const conflicts = new Counter({ name: "eventstore_append_conflicts_total", help: "Appends that lost a race on a stream's version (the command re-runs).", registers: [registry] });
  if (poolStats) {
    const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
      new Gauge({ name, help, registers: [registry], collect() { this.set(pick(poolStats())); } });
    gauge("db_pool_connections", "PostgreSQL connections open in the pool.", (s) => s.total);
    gauge("db_pool_idle_connections", "PostgreSQL connections open and idle.", (s) => s.idle);
    gauge("db_pool_waiting_requests", "Queries waiting for a free connection.", (s) => s.waiting);
  }
  const clusterText = clusterMetricsInWorker(registry);
  return {
    registry,
    /** The text a scrape gets: this process's registry, or with WORKERS > 1 the sum over every worker. */
    text: clusterText ?? (() => registry.metrics()),
    started: (labels: RpcLabels) => started.inc(labels),
    handled: (labels: RpcLabels, code: string, durationSeconds: number) => {
      handled.inc({ ...labels, grpc_code: code });
      seconds.observe(labels, durationSeconds);
    },
    storeObserver: { onAppend: (events: number) => appended.inc(events), onConflict: () => conflicts.inc() },
    lifecycleObserver: lifecycleMetrics(registry),
    /** Live WatchEvents streams, read when scraped. */
    watchLiveStreams(count: () => number) {
      new Gauge({ name: "events_watchers", help: "WatchEvents streams open on this server.", registers: [registry], collect() { this.set(count()); } });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The lifecycle scheduler's work: what is due, what it did or failed to do, and how late after the due time. */
function lifecycleMetrics(registry: Registry) {
  const due = new Gauge({ name: "lifecycle_actions_due", help: "Lifecycle actions due at the scheduler's last pass (schedule steps and inactivity deactivations).", registers: [registry] });
  const done = new Counter({ name: "lifecycle_actions_done_total", help: "Lifecycle actions done, by kind.", labelNames: ["kind"], registers: [registry] });
  const failed = new Counter({ name: "lifecycle_actions_failed_total", help: "Lifecycle actions that failed (rolled back, retried at the next pass), by kind.", labelNames: ["kind"], registers: [registry] });
  const lag = new Histogram({
    name: "lifecycle_action_lag_seconds",
    help: "Time from an action's due time to its commit, in seconds.",
    labelNames: ["kind"],
    buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600, 86400],
    registers: [registry],
  });
  return {
    due: (count: number) => due.set(count),
    done: (kind: string, lagSeconds: number) => {
      done.inc({ kind });
      lag.observe({ kind }, lagSeconds);
    },
    failed: (kind: string) => failed.inc({ kind }),
  };
}

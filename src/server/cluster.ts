import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Config } from "../config.js";
import { invalidArgument } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import { serveClusterMetrics } from "../observability/cluster-metrics.js";

const READY = "lifecycle:ready";
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * How many processes serve the port. PostgreSQL: WORKERS, else one per available core. PGlite: one, always
 * (its database lives inside the process and its directory belongs to one process).
 */
export function workerCount(config: Config, log: Logger): number {
  if (!config.databaseUrl) {
    if ((config.workers ?? 1) > 1) throw invalidArgument("CONFIG-workers-pglite", "WORKERS > 1 needs DATABASE_URL: the embedded PGlite database belongs to one process");
    if (config.workers === undefined) log.info("one worker: the embedded PGlite database belongs to one process (set DATABASE_URL to serve from every core)");
    return 1;
  }
  return config.workers ?? availableParallelism();
}

/** A worker tells the primary it is serving (startup errors before this end the whole server). */
export function announceWorkerReady(): void {
  if (cluster.isWorker) process.send?.({ type: READY });
}

/**
 * The primary process: forks `count` workers that share the port (node's cluster hands each accepted
 * connection to one of them), replaces a worker that dies (with backoff), passes SIGTERM/SIGINT on and
 * exits when all have drained. A worker that fails before it ever served means a configuration or
 * migration fault: every worker is stopped and the primary exits 1, as a single process would.
 */
export async function runPrimary(count: number, log: Logger): Promise<number> {
  serveClusterMetrics();
  let stopping = false;
  let failedStart = false;
  let restartDelayMs = 500;
  const ready = new WeakSet<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    worker.on("message", (message: { type?: string }) => {
      if (message?.type !== READY) return;
      ready.add(worker);
      restartDelayMs = 500;
    });
  };
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => stopAll("SIGTERM"));
  log.info("starting workers", { workers: count });
  for (let i = 0; i < count; i++) fork();
  return new Promise<number>((resolve) => {
    cluster.on("exit", (worker, code, signal) => {
      const live = Object.keys(cluster.workers ?? {}).length;
      if (!stopping && !ready.has(worker) && code !== 0) {
        failedStart = true;
        stopAll("SIGTERM");
      } else if (!stopping) {
        log.warn("worker ended, starting another", { pid: worker.process.pid, code, signal, inMs: restartDelayMs });
        setTimeout(() => !stopping && fork(), restartDelayMs).unref();
        restartDelayMs = Math.min(restartDelayMs * 2, MAX_RESTART_DELAY_MS);
      }
      if (stopping && live === 0) resolve(failedStart ? 1 : 0);
    });
  });
}

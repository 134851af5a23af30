import { Counter, Gauge, type Registry } from "prom-client";
import type { ReadObserver, ReadServedBy } from "../db/read-replica.js";

/** Where reads were served with DATABASE_READ_URL set, and how far the replica's replay trails. */
export function readReplicaMetrics(registry: Registry): ReadObserver {
  const reads = new Counter({
    name: "db_reads_total",
    help: "Read-only queries by where they ran: replica, or the primary because the replica was behind past DATABASE_READ_MAX_WAIT or unavailable.",
    labelNames: ["served_by"],
    registers: [registry],
  });
  const lag = new Gauge({
    name: "db_replica_lag_seconds",
    help: "Seconds the read replica's replay trailed the last transaction it had received, at its last check (0: caught up).",
    registers: [registry],
    // Across workers the largest lag is the one that matters, not the sum.
    aggregator: "max",
  });
  for (const by of ["replica", "primary_replica_behind", "primary_replica_unavailable"] satisfies ReadServedBy[]) reads.inc({ served_by: by }, 0);
  return { served: (by) => reads.inc({ served_by: by }), lagSeconds: (seconds) => lag.set(seconds) };
}

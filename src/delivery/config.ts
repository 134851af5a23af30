import { invalidArgument } from "../domain/errors.js";
import { parseCount, parseDuration } from "../domain/settings/parse.js";

export interface DeliveryOptions {
  /** Off: no deliveries from this process (targets and executions are still managed). */
  enabled: boolean;
  /** Targets on private and loopback addresses are allowed (self-hosted receivers live there). */
  allowPrivateTargets: boolean;
  /** How often the log is scanned and due attempts are claimed when nothing woke the worker. */
  pollIntervalMs: number;
  /**
   * With no active target the loop sleeps until this process changes a target or an execution. Other
   * processes on the same database are heard of by one query this often (0: never, as on PGlite).
   */
  idlePollIntervalMs: number;
  /** Waits before each retry; after the last one a delivery is a dead letter. */
  retryScheduleMs: number[];
  /** Attempts in flight per process, and per target (so one slow target never holds every slot). */
  maxInFlight: number;
  maxInFlightPerTarget: number;
  /** A target failing this many attempts in a row, over at least this long, is disabled with an event. */
  disableAfterFailures: number;
  disableAfterMs: number;
  /** Delivery log rows and delivered attempts are kept this long. */
  logRetentionMs: number;
  /** Bytes of a receiver's answer that are read (and logged); the rest is discarded. */
  responseBodyLimit: number;
}

// Standard Webhooks' schedule: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
export const DEFAULT_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h,10h";

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  enabled: true,
  allowPrivateTargets: true,
  pollIntervalMs: 250,
  idlePollIntervalMs: 5_000,
  retryScheduleMs: parseSchedule(DEFAULT_RETRY_SCHEDULE),
  maxInFlight: 32,
  maxInFlightPerTarget: 4,
  disableAfterFailures: 50,
  disableAfterMs: 24 * 3_600_000,
  logRetentionMs: 7 * 86_400_000,
  responseBodyLimit: 4096,
};

export function parseSchedule(text: string): number[] {
  const steps = text.split(",").map((s) => parseDuration(s.trim()));
  if (steps.some((s) => s === undefined)) throw invalidArgument("CONFIG-schedule-invalid", `"${text}" is not a list of durations like 5s,5m,30m`);
  return steps as number[];
}

function parseBoolean(text: string | undefined): boolean | undefined {
  if (text === undefined || text === "") return undefined;
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw invalidArgument("CONFIG-boolean-invalid", `"${text}" is not true or false`);
}

export function deliveryOptionsFromEnv(env: NodeJS.ProcessEnv): DeliveryOptions {
  const d = DEFAULT_DELIVERY_OPTIONS;
  return {
    enabled: parseBoolean(env.DELIVERY_ENABLED) ?? d.enabled,
    allowPrivateTargets: parseBoolean(env.DELIVERY_ALLOW_PRIVATE_TARGETS) ?? d.allowPrivateTargets,
    pollIntervalMs: parseDuration(env.DELIVERY_POLL_INTERVAL) ?? d.pollIntervalMs,
    idlePollIntervalMs: parseDuration(env.DELIVERY_IDLE_POLL_INTERVAL) ?? d.idlePollIntervalMs,
    retryScheduleMs: env.DELIVERY_RETRY_SCHEDULE ? parseSchedule(env.DELIVERY_RETRY_SCHEDULE) : d.retryScheduleMs,
    maxInFlight: parseCount(env.DELIVERY_MAX_IN_FLIGHT) || d.maxInFlight,
    maxInFlightPerTarget: parseCount(env.DELIVERY_MAX_IN_FLIGHT_PER_TARGET) || d.maxInFlightPerTarget,
    disableAfterFailures: parseCount(env.DELIVERY_DISABLE_AFTER_FAILURES) ?? d.disableAfterFailures,
    disableAfterMs: parseDuration(env.DELIVERY_DISABLE_AFTER) ?? d.disableAfterMs,
    logRetentionMs: parseDuration(env.DELIVERY_LOG_RETENTION) ?? d.logRetentionMs,
    responseBodyLimit: parseCount(env.DELIVERY_RESPONSE_BODY_LIMIT) ?? d.responseBodyLimit,
  };
}

import { disableTarget } from "../commands/action.js";
import type { Deps } from "../commands/deps.js";
import { readEventsAt } from "../events/read.js";
import type { Logger } from "../logger.js";
import { failureFields } from "../observability/outage-log.js";
import { type ClaimedAttempt, claimDue, type Outcome, prune, recordOutcome } from "./attempts.js";
import type { DeliveryOptions } from "./config.js";
import type { DeliveryMetrics } from "./metrics.js";
import { eventBody, signatureHeaders, webhookId } from "./payload.js";
import { conditionsByTarget, scanTarget } from "./scan.js";
import { send } from "./send.js";

/** The system principal the history names when delivery disables a target. */
export const DELIVERY_PRINCIPAL = "system:delivery";

const PRUNE_EVERY_MS = 60_000;

/**
 * The background delivery loop of one process. Everything it knows is in the database: cursors, due
 * deliveries and leases, so any number of processes share the work and a killed one loses nothing (its
 * leased attempts come due again, carrying the same webhook-id). Each tick scans the log for matching
 * events, claims due attempts per target up to that target's share, and sends them without waiting.
 */
export class DeliveryWorker {
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastPrune = 0;
  private readonly sends = new Set<Promise<void>>();
  private ticking = false;
  private wakeAgain = false;

  constructor(
    private readonly deps: Pick<Deps, "db" | "store">,
    private readonly options: DeliveryOptions,
    private readonly log: Logger,
    private readonly metrics?: DeliveryMetrics,
    private readonly instanceId = "instance",
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops claiming; waits for the attempts in flight (each bounded by its target's timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled([...this.sends]);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = true;
      this.wakeAgain = false;
      this.running = this.tick()
        .catch((error: unknown) => this.log.warn("delivery tick failed", failureFields(error)))
        .finally(() => {
          this.ticking = false;
          this.schedule(this.wakeAgain ? 0 : this.options.pollIntervalMs);
        });
    }, ms);
  }

  /** A finished attempt may unblock the next event of its aggregate: look again at once, not at the next poll. */
  private wake(): void {
    if (this.ticking) this.wakeAgain = true;
    else this.schedule(0);
  }

  private async tick(): Promise<void> {
    const { db } = this.deps;
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await prune(db, this.options.logRetentionMs);
    }
    const byTarget = await conditionsByTarget(db);
    for (const [targetId, conditions] of byTarget) {
      if (this.stopped) return;
      // A full batch means more is waiting: keep going within this tick, a few batches at most.
      for (let i = 0; i < 10 && (await scanTarget(db, targetId, conditions)) === 500; i++);
    }
    const targets = (await db.selectFrom("targets_v1").select("id").where("state", "=", "active").execute()).map((r) => r.id);
    for (const targetId of targets) {
      if (this.stopped) return;
      const room = Math.min(this.options.maxInFlightPerTarget - (this.inFlight.get(targetId) ?? 0), this.options.maxInFlight - this.total);
      const claimed = await claimDue(db, targetId, room);
      if (claimed.length === 0) continue;
      const events = new Map((await readEventsAt(db, claimed.map((c) => c.position))).map((e) => [e.position, e]));
      for (const attempt of claimed) {
        const event = events.get(attempt.position);
        if (event) this.dispatch(attempt, eventBody(event, this.instanceId));
      }
    }
  }

  private dispatch(attempt: ClaimedAttempt, body: string): void {
    this.inFlight.set(attempt.targetId, (this.inFlight.get(attempt.targetId) ?? 0) + 1);
    this.total++;
    const work = this.attempt(attempt, body)
      .catch((error: unknown) => this.log.warn("delivery attempt not recorded", { target: attempt.targetId, position: attempt.position, ...failureFields(error) }))
      .finally(() => {
        this.inFlight.set(attempt.targetId, (this.inFlight.get(attempt.targetId) ?? 1) - 1);
        this.total--;
        this.sends.delete(work);
        this.wake();
      });
    this.sends.add(work);
  }

  private async attempt(a: ClaimedAttempt, body: string): Promise<void> {
    const id = webhookId(a.targetId, a.position);
    const headers = signatureHeaders(a.signingKey, id, body, Math.floor(Date.now() / 1000));
    const result = await send(a.endpoint, headers, body, { timeoutMs: a.timeoutMs, bodyLimit: this.options.responseBodyLimit, policy: { allowPrivate: this.options.allowPrivateTargets } });
    const status = result.status;
    const outcome: Outcome =
      status !== undefined && status >= 200 && status < 300
        ? { kind: "delivered", status }
        : status === 410
          ? { kind: "gone", status }
          : { kind: "failed", status, error: result.error ?? `HTTP ${status}` };
    // Disabled before the attempt is recorded as due again, so no other tick sends it to the gone target.
    if (outcome.kind === "gone") {
      await disableTarget(this.deps, DELIVERY_PRINCIPAL, a.targetId, "gone", `${a.endpoint} answered 410 Gone`);
      this.log.warn("delivery target disabled", { target: a.targetId, reason: "410 Gone" });
    }
    const streak = await recordOutcome(this.deps.db, a, outcome, result.latencyMs, this.options.retryScheduleMs);
    this.metrics?.observe(outcome.kind === "failed" && streak.dead ? "dead" : outcome.kind, result.latencyMs);
    if (
      outcome.kind === "failed" &&
      this.options.disableAfterFailures > 0 &&
      streak.failures >= this.options.disableAfterFailures &&
      streak.failingForMs >= this.options.disableAfterMs
    ) {
      await disableTarget(this.deps, DELIVERY_PRINCIPAL, a.targetId, "failures", `${streak.failures} failed attempts in a row over ${Math.round(streak.failingForMs / 1000)} s`);
      this.log.warn("delivery target disabled", { target: a.targetId, reason: "failures", failures: streak.failures });
    }
  }
}

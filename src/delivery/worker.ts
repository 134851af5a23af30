import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { disableTarget } from "../commands/action.js";
import type { Deps } from "../commands/deps.js";
import type { Db } from "../db/database.js";
import type { EventCondition } from "../domain/action/execution.js";
import type { Logger } from "../logger.js";
import { failureFields } from "../observability/outage-log.js";
import { type ClaimedAttempt, claimDue, type FinishedAttempt, type Outcome, prune, recordOutcomes } from "./attempts.js";
import type { DeliveryOptions } from "./config.js";
import type { DeliveryMetrics } from "./metrics.js";
import { eventBody, signatureHeaders, webhookId } from "./payload.js";
import { activeTargets, scanTarget } from "./scan.js";
import { send } from "./send.js";

/** The system principal the history names when delivery disables a target. */
export const DELIVERY_PRINCIPAL = "system:delivery";

const PRUNE_EVERY_MS = 60_000;
const SCAN_BATCH = 500;
// Outcomes wait this long to be recorded together: the attempts of one claim answer within moments of each
// other, and one transaction for all of them costs less than one each. It delays only the next claim.
const RECORD_DELAY_MS = 10;

/** Counts the statements the loop sends, so "idle costs nothing" is a number (delivery_loop_queries_total). */
class StatementCounter implements KyselyPlugin {
  constructor(private readonly counted: () => void) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.counted();
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/**
 * The background delivery loop of one process. Everything it knows is in the database: cursors, due
 * deliveries and leases, so any number of processes share the work and a killed one loses nothing (its
 * leased attempts come due again, carrying the same webhook-id).
 *
 * While a target is active, a look every poll interval finds the active targets, scans the log for their
 * matching events and claims due attempts up to each target's share; sends run without waiting, and their
 * outcomes are recorded in batches (one transaction for all that finished meanwhile), which also wakes a
 * claim for what they unblocked. With no active target the loop sleeps: commands of this process that
 * change targets, executions or deliveries wake it (`wake`), and only when other processes may share the
 * database (PostgreSQL) does it look again after `idlePollIntervalMs`, with one query.
 */
export class DeliveryWorker {
  private readonly db: Db;
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastPrune = 0;
  private readonly sends = new Set<Promise<void>>();
  private ticking = false;
  private wakeAgain = false;
  private targets = new Map<string, EventCondition[]>();
  private lastLook = 0;
  private lookNow = true;
  private finished: FinishedAttempt[] = [];
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private recording?: Promise<void>;

  constructor(
    private readonly deps: Pick<Deps, "db" | "store">,
    private readonly options: DeliveryOptions,
    private readonly log: Logger,
    private readonly metrics?: DeliveryMetrics,
    private readonly instanceId = "instance",
  ) {
    this.db = deps.db.withPlugin(new StatementCounter(() => metrics?.queried()));
  }

  start(): void {
    this.schedule(0);
  }

  /** Targets, executions or deliveries changed: look at the database now, not at the next poll. */
  changed(): void {
    this.lookNow = true;
    this.wake();
  }

  /** Stops claiming; waits for the attempts in flight (each bounded by its target's timeout) and their records. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled([...this.sends]);
    await this.recording;
  }

  private schedule(ms: number | undefined): void {
    clearTimeout(this.timer);
    if (this.stopped || ms === undefined) return;
    this.timer = setTimeout(() => {
      this.ticking = true;
      this.wakeAgain = false;
      this.running = this.tick()
        .catch((error: unknown) => this.log.warn("delivery tick failed", failureFields(error)))
        .finally(() => {
          this.ticking = false;
          this.schedule(this.wakeAgain ? 0 : this.nextLookIn());
        });
    }, ms);
  }

  /** Active: the poll interval. Idle: never in a process alone on its database, else the slow fallback. */
  private nextLookIn(): number | undefined {
    if (this.targets.size > 0) return this.options.pollIntervalMs;
    return this.options.idlePollIntervalMs > 0 ? this.options.idlePollIntervalMs : undefined;
  }

  private wake(): void {
    if (this.ticking) this.wakeAgain = true;
    else this.schedule(0);
  }

  private async tick(): Promise<void> {
    const db = this.db;
    if (this.lookNow || Date.now() - this.lastLook >= this.options.pollIntervalMs) {
      this.lookNow = false;
      this.lastLook = Date.now();
      this.targets = await activeTargets(db);
      if (this.targets.size === 0) return;
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        await prune(db, this.options.logRetentionMs);
      }
      for (const [targetId, conditions] of this.targets) {
        if (this.stopped) return;
        if (conditions.length === 0) continue;
        // A full batch means more is waiting: keep going within this tick, a few batches at most.
        for (let i = 0; i < 10 && (await scanTarget(db, targetId, conditions)) === SCAN_BATCH; i++);
      }
    }
    for (const targetId of this.targets.keys()) {
      if (this.stopped) return;
      const room = Math.min(this.options.maxInFlightPerTarget - (this.inFlight.get(targetId) ?? 0), this.options.maxInFlight - this.total);
      if (room <= 0) continue;
      for (const attempt of await claimDue(db, targetId, room)) this.dispatch(attempt, eventBody(attempt.event, this.instanceId));
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
        // A recorded attempt may unblock the next event of its aggregate: claim again at once.
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
    await this.record({ attempt: a, outcome, latencyMs: result.latencyMs });
  }

  /**
   * Resolves once this outcome is recorded. Outcomes that finish while a batch is being written wait for the
   * next one: under load, one transaction records many attempts (group commit).
   */
  private record(finished: FinishedAttempt): Promise<void> {
    return new Promise((resolve, reject) => {
      this.finished.push(finished);
      this.waiting.push({ resolve, reject });
      this.recording ??= new Promise((r) => setTimeout(r, RECORD_DELAY_MS)).then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    while (this.finished.length > 0) {
      const batch = this.finished;
      const waiting = this.waiting;
      this.finished = [];
      this.waiting = [];
      try {
        const recorded = await recordOutcomes(this.db, batch, this.options.retryScheduleMs);
        batch.forEach((f, i) => this.metrics?.observe(recorded.dead[i] ? "dead" : f.outcome.kind, f.latencyMs));
        for (const w of waiting) w.resolve();
        await this.disableFailing(batch, recorded.streaks).catch((error: unknown) => this.log.warn("delivery target not disabled", failureFields(error)));
      } catch (error) {
        // Unrecorded attempts keep their lease; when it runs out they go again, with the same webhook-id.
        for (const w of waiting) w.reject(error);
      }
    }
    this.recording = undefined;
  }

  private async disableFailing(batch: FinishedAttempt[], streaks: Map<string, { failures: number; failingForMs: number }>): Promise<void> {
    const { disableAfterFailures, disableAfterMs } = this.options;
    if (disableAfterFailures <= 0) return;
    for (const [targetId, streak] of streaks) {
      if (streak.failures < disableAfterFailures || streak.failingForMs < disableAfterMs) continue;
      const endpoint = batch.find((f) => f.attempt.targetId === targetId)?.attempt.endpoint;
      await disableTarget(this.deps, DELIVERY_PRINCIPAL, targetId, "failures", `${streak.failures} failed attempts in a row over ${Math.round(streak.failingForMs / 1000)} s`);
      this.log.warn("delivery target disabled", { target: targetId, endpoint, reason: "failures", failures: streak.failures });
    }
  }
}

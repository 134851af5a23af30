import type { Transaction } from "kysely";
import type { Deps } from "../commands/deps.js";
import { systemAccess } from "../commands/system.js";
import { changeUser } from "../commands/user.js";
import type { Database } from "../db/schema.js";
import { recordPolicyDryRun } from "../commands/lifecycle-policy.js";
import type { UserEvent } from "../domain/user/events.js";
import { deactivateForInactivity, runScheduleStep } from "../domain/user/lifecycle.js";
import type { Logger } from "../logger.js";
import { failureFields } from "../observability/outage-log.js";
import { DomainError } from "../domain/errors.js";
import {
  claimDryRunPolicy,
  claimDueInactiveUsers,
  claimDueScheduleStep,
  countDueInScope,
  countDueScheduleSteps,
  type EnforcedScope,
  enforcedScopes,
  newlyDueUnderPolicy,
} from "../projections/lifecycle/queries.js";

export type ActionKind = "schedule_deactivate" | "schedule_delete" | "inactivity" | "dry_run";

/** What the scheduler reports to the metrics (src/observability/metrics.ts); it does not depend on them. */
export interface LifecycleObserver {
  due?(count: number): void;
  done?(kind: ActionKind, lagSeconds: number): void;
  failed?(kind: ActionKind): void;
}

export interface TickResult {
  done: Record<ActionKind, number>;
  failed: number;
}

export interface SchedulerOptions {
  /** how often to look for due work; 0: never by itself (tests call tick) */
  intervalMs: number;
  /** claim loops run at once in this process (PGlite runs one transaction at a time anyway) */
  workers?: number;
  observer?: LifecycleObserver;
}

const SCHEDULE_JOB = "lifecycle-schedule";
/** Users claimed per inactivity transaction: fewer round trips, while a lost race re-does at most this many. */
const INACTIVITY_BATCH = 20;
const POLICY_JOB = "lifecycle-policy";

/**
 * The lifecycle jobs: scheduled deactivations and deletions, and inactivity policies. Work comes from the
 * database only, so a restart forgets nothing and anything due while no process ran is done at the next
 * tick. Each action runs in a transaction that holds its work row locked (FOR UPDATE SKIP LOCKED) until
 * the action's events commit: N processes on one database never take the same row at once, a crash rolls
 * back both, and the user's own state is judged again inside (a second attempt appends nothing).
 * Each action is the use case a person would run (`changeUser` with the same decider), as a system
 * principal, with the policy or schedule as the reason in the event.
 */
export function startLifecycleScheduler(deps: Deps, log: Logger, options: SchedulerOptions) {
  const observer = options.observer ?? {};
  const workers = Math.max(1, options.workers ?? 1);
  let current: Promise<TickResult> | undefined;
  let stopped = false;

  /** Runs one claim-and-act transaction; undefined when nothing was due. `skip` keeps this tick off rows it tried. */
  type Attempt = (trx: Transaction<Database>, now: Date, skip: string[]) => Promise<Outcome | Outcome[] | undefined>;
  type Outcome = { key: string; kind: ActionKind; dueAt: Date; acted: boolean; failed?: boolean };

  /** Runs the action on a claimed row; a failure carries the row's key and kind out of the rolled-back transaction. */
  async function act(key: string, kind: ActionKind, dueAt: Date, action: () => Promise<boolean>): Promise<Outcome> {
    try {
      return { key, kind, dueAt, acted: await action() };
    } catch (error) {
      if (error instanceof NothingToDo) return { key, kind, dueAt, acted: false };
      throw new ActionFailed(key, kind, error);
    }
  }

  /** The decision judged on the user's current state; nothing to append ends the action (the use case needs an event). */
  const orNothing = (events: UserEvent[]) => {
    if (events.length === 0) throw new NothingToDo();
    return events;
  };

  const scheduleStep: Attempt = async (trx, now, skip) => {
    const row = await claimDueScheduleStep(trx, now, skip);
    if (!row) return undefined;
    const kind: ActionKind = row.step === "delete" ? "schedule_delete" : "schedule_deactivate";
    const access = systemAccess(SCHEDULE_JOB, row.step === "delete" ? "user.delete" : "user.write");
    return act(`${row.user_id}/${row.step}`, kind, new Date(row.due_at), async () => {
      await changeUser(deps, access, row.user_id, (state) => orNothing(runScheduleStep(state, row.schedule_id, row.step)), { transaction: trx });
      return true;
    });
  };

  /**
   * Inactivity claims come in batches (one index range read, one transaction for several users); each
   * user is still its own command. A database error rolls back the batch, which the next pass retries.
   */
  const inactiveUsersIn = (scope: EnforcedScope): Attempt => {
    let from: Date | undefined;
    return async (trx, now, skip) => {
      const rows = await claimDueInactiveUsers(trx, scope, now, from, skip, INACTIVITY_BATCH);
      if (rows.length === 0) return undefined;
      from = new Date(rows[rows.length - 1].idle_since);
      const rule = { policyId: scope.policy_id, inactiveDays: scope.inactive_days, includeMachineUsers: scope.include_machine_users };
      const outcomes: Outcome[] = [];
      for (const row of rows) {
        outcomes.push(
          await act(row.user_id, "inactivity", new Date(row.due_at), async () => {
            await changeUser(deps, systemAccess(POLICY_JOB, "user.write"), row.user_id, (state) => orNothing(deactivateForInactivity(state, rule, now)), { transaction: trx });
            return true;
          }).catch((error: unknown) => {
            // A refusal decided before any statement leaves the transaction usable; a database error does not.
            if (error instanceof ActionFailed && error.cause instanceof DomainError) return { key: row.user_id, kind: "inactivity" as const, dueAt: new Date(row.due_at), acted: false, failed: true };
            throw new ActionFailed(rows.map((r) => r.user_id).join(","), "inactivity", error instanceof ActionFailed ? error.cause : error);
          }),
        );
      }
      return outcomes;
    };
  };

  const dryRun: Attempt = async (trx, now, skip) => {
    const policy = await claimDryRunPolicy(trx, skip);
    if (!policy) return undefined;
    return act(policy.scope_id, "dry_run", now, async () => {
      const userIds = await newlyDueUnderPolicy(trx, policy, now);
      if (userIds.length === 0) return false;
      await recordPolicyDryRun(deps, trx, `system:${POLICY_JOB}`, { scopeId: policy.scope_id, policyId: policy.policy_id }, now, userIds);
      return true;
    });
  };

  /** Claims and acts until nothing of this kind is due (rows that failed or were not acted on are skipped). */
  async function drain(attempt: Attempt, now: Date, result: TickResult): Promise<void> {
    const skip: string[] = [];
    while (!stopped) {
      let claimed: Awaited<ReturnType<Attempt>>;
      try {
        claimed = await deps.db.transaction().execute((trx) => attempt(trx, now, skip));
      } catch (error) {
        // The transaction rolled back: nothing happened, and the row is due again at the next tick.
        result.failed++;
        const failed = error instanceof ActionFailed ? error : undefined;
        const cause = failed ? failed.cause : error;
        log.warn("lifecycle action failed", { key: failed?.key, ...failureFields(cause) });
        if (failed) observer.failed?.(failed.kind);
        // A claim that failed before naming its row would be taken again at once: end this kind for this tick.
        if (!failed) return;
        skip.push(...failed.key.split(","));
        continue;
      }
      if (!claimed) return;
      for (const outcome of [claimed].flat()) {
        skip.push(outcome.key);
        if (outcome.failed) {
          result.failed++;
          observer.failed?.(outcome.kind);
        }
        if (!outcome.acted) continue;
        result.done[outcome.kind]++;
        observer.done?.(outcome.kind, Math.max(0, (deps.now().getTime() - outcome.dueAt.getTime()) / 1000));
      }
    }
  }

  async function runTick(): Promise<TickResult> {
    const now = deps.now();
    const result: TickResult = { done: { schedule_deactivate: 0, schedule_delete: 0, inactivity: 0, dry_run: 0 }, failed: 0 };
    const scopes = await enforcedScopes(deps.db);
    if (observer.due) {
      let due = await countDueScheduleSteps(deps.db, now);
      for (const scope of scopes) due += await countDueInScope(deps.db, scope, now);
      observer.due(due);
    }
    const inParallel = (attempt: Attempt, n = workers) => Promise.all(Array.from({ length: n }, () => drain(attempt, now, result)));
    await inParallel(scheduleStep);
    for (const scope of scopes) await inParallel(inactiveUsersIn(scope));
    await inParallel(dryRun, 1);
    return result;
  }

  /** One pass over everything due now; concurrent calls share the pass that is running. */
  function tick(): Promise<TickResult> {
    if (!current) current = runTick().finally(() => (current = undefined));
    return current;
  }

  const timer =
    options.intervalMs > 0
      ? setInterval(() => {
          tick().catch((error: unknown) => log.error("lifecycle tick failed", failureFields(error)));
        }, options.intervalMs)
      : undefined;
  timer?.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}

export type LifecycleScheduler = ReturnType<typeof startLifecycleScheduler>;

class NothingToDo extends Error {}

class ActionFailed extends Error {
  constructor(
    readonly key: string,
    readonly kind: ActionKind,
    cause: unknown,
  ) {
    super(`lifecycle action ${kind} on ${key} failed`, { cause });
  }
}

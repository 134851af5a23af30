import type { Transaction } from "kysely";
import type { Db } from "../db/database.js";
import type { Database } from "../db/schema.js";
import { type AppendedRow, appendInTransaction, markerKey, planAppend } from "./append.js";
import { groupAppend } from "./group-append.js";
import { isDatabaseDown } from "../db/faults.js";
import { ConcurrencyError, isUniqueViolation } from "./errors.js";
import { appendedAfterLostReply } from "./lost-reply.js";
import { loadStream } from "./snapshots.js";
import { type CommandContext, type LoadedAggregate, PendingWrite } from "./pending-write.js";
import type { Aggregate, DomainEvent, Projection, StoredEvent } from "./types.js";

export type { CommandContext, LoadedAggregate };
export { PendingWrite };

/**
 * A rule about the state after the write, judged by reading the read models inside the command's own
 * transaction (after its events and projections are written, before COMMIT). Throwing rolls it all back.
 */
export type PostWriteCheck = (trx: Transaction<Database>) => Promise<void>;

/** One attempt of a command: loads aggregates and queues their new events. */
export class CommandSession {
  readonly writes: PendingWrite[] = [];
  readonly checks: PostWriteCheck[] = [];
  constructor(private readonly db: Db) {}

  /** Adds a rule the write must leave true; a command with one takes the transaction path, not group commit. */
  check(rule: PostWriteCheck): void {
    if (!this.checks.includes(rule)) this.checks.push(rule);
  }

  /** One round trip and constant cost: the stream's snapshot (and any events written after it). */
  async load<S>(aggregate: Aggregate<S, any>, id: string): Promise<LoadedAggregate<S>> {
    return { aggregate, id, ...(await loadStream(this.db, aggregate, id)) };
  }

  /**
   * Queues events for the aggregate and folds them into `target.state`, so a command can decide again
   * on the result. `resourceOwner` is required for a new stream.
   */
  append<S>(target: LoadedAggregate<S>, events: DomainEvent[], resourceOwner?: string): PendingWrite {
    let write = this.writes.find((w) => w.target === target);
    if (!write) {
      const owner = target.resourceOwner ?? resourceOwner;
      if (!owner) throw new Error(`a new ${target.aggregate.type} stream needs a resource owner`);
      write = new PendingWrite(target, target.state, owner);
      this.writes.push(write);
    }
    for (const event of events) {
      const provisional = {
        ...event,
        aggregateType: target.aggregate.type,
        aggregateId: target.id,
        sequence: target.version + write.events.length + 1,
        position: 0,
        createdAt: new Date(),
        creator: "",
        resourceOwner: write.resourceOwner,
      };
      write.events.push(event);
      target.state = target.aggregate.evolve(target.state, provisional);
    }
    return write;
  }
}


export interface RunOptions {
  /** Extra writes that commit or roll back together with the command's events (e.g. an idempotency record). */
  inTransaction?: (trx: Transaction<Database>) => Promise<void>;
  /**
   * Load and append inside the caller's transaction (a job that holds its work row locked until the action
   * commits). A lost race then fails the caller's transaction: it is not retried here, the caller rolls
   * back and tries again later.
   */
  transaction?: Transaction<Database>;
}

const MAX_ATTEMPTS = 8;

/** Told about appends and lost races, for metrics (src/observability); the store does not depend on it. */
export interface StoreObserver {
  onAppend?(events: number): void;
  onConflict?(): void;
}

/** The session's checks, then the caller's extra writes, as one piece of work inside the transaction. */
function withChecks(checks: readonly PostWriteCheck[], inTransaction: RunOptions["inTransaction"]): RunOptions["inTransaction"] {
  if (checks.length === 0) return inTransaction;
  return async (trx) => {
    for (const check of checks) await check(trx);
    await inTransaction?.(trx);
  };
}

export class EventStore {
  constructor(
    readonly db: Db,
    private readonly projections: readonly Projection[],
    private readonly now: () => Date,
    private readonly observer: StoreObserver = {},
  ) {}

  async readStream(aggregateType: string, aggregateId: string): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom("events")
      .select(["position", "sequence", "type", "payload", "creator", "resource_owner", "created_at"])
      .where("aggregate_type", "=", aggregateType)
      .where("aggregate_id", "=", aggregateId)
      .orderBy("sequence")
      .execute();
    return rows.map((row) => ({
      type: row.type,
      data: row.payload,
      aggregateType,
      aggregateId,
      sequence: row.sequence,
      position: Number(row.position),
      createdAt: row.created_at,
      creator: row.creator,
      resourceOwner: row.resource_owner,
    }));
  }

  /**
   * Runs a command: `work` loads aggregates, decides and queues events; then everything queued is
   * appended in ONE transaction with its unique claims and inline projections. If another command
   * appended to one of the streams first, `work` runs again on the fresh state, so its rules are
   * checked against what is really there.
   */
  async run<T>(context: CommandContext, work: (session: CommandSession) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const maxAttempts = options.transaction ? 1 : MAX_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      const session = new CommandSession(options.transaction ?? this.db);
      const result = await work(session);
      try {
        await this.commit(session.writes, context, { ...options, inTransaction: withChecks(session.checks, options.inTransaction) });
        return result;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
      }
    }
  }

  private async commit(writes: PendingWrite[], context: CommandContext, { inTransaction, transaction }: RunOptions): Promise<void> {
    const nonEmpty = writes.filter((w) => w.events.length > 0);
    if (nonEmpty.length === 0) {
      if (inTransaction) await (transaction ? inTransaction(transaction) : this.db.transaction().execute(inTransaction));
      return;
    }
    const plan = planAppend(nonEmpty, context, this.now(), this.projections);
    const inOwnTransaction = async (trx: Transaction<Database>) => {
      const rows = await appendInTransaction(trx, plan);
      await inTransaction?.(trx);
      return rows;
    };
    let appended: AppendedRow[];
    try {
      appended = transaction
        ? await inOwnTransaction(transaction)
        : plan.claims.length === 0 && !inTransaction
          ? await groupAppend(this.db, plan)
          : await this.db.transaction().execute(inOwnTransaction);
    } catch (error) {
      // A concurrent append to the same stream: the unique (aggregate, sequence) constraint is the
      // expected-version check. A deadlock between two such appends is the same race.
      if (isUniqueViolation(error, "events_stream_sequence") || (error as { code?: string }).code === "40P01") {
        this.observer.onConflict?.();
        throw new ConcurrencyError(nonEmpty.map((w) => `${w.target.aggregate.type}/${w.target.id}`).join(","));
      }
      // The connection failed with the append in flight: it may have committed. Find out before answering.
      if (!isDatabaseDown(error)) throw error;
      const found = await appendedAfterLostReply(this.db, plan, error);
      if (!found) throw error;
      appended = found;
    }
    this.observer.onAppend?.(appended.length);
    const positions = new Map(appended.map((row) => [markerKey(row.aggregate_type, row.aggregate_id, row.sequence), Number(row.position)]));
    for (const write of nonEmpty) {
      write.stored = write.stored.map((event) => ({ ...event, position: positions.get(markerKey(event.aggregateType, event.aggregateId, event.sequence))! }));
    }
  }
}

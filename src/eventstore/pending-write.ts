import type { Aggregate, DomainEvent, ObjectDetails, StoredEvent } from "./types.js";

// What a command queues: shared by the event store (which runs commands) and the append (which writes them).

/** An aggregate as a command sees it: folded state plus what the append needs to detect conflicts. */
export interface LoadedAggregate<S> {
  aggregate: Aggregate<S, any>;
  id: string;
  /** Folded history, plus the events this command has queued so far (decide again on it). */
  state: S;
  /** Sequence of the stream's last stored event (0: new stream): the expected version of the append. */
  version: number;
  /** When the stream's first event was written; undefined for a new stream. */
  creationDate: Date | undefined;
  /** Resource owner of the stream's first event; undefined for a new stream. */
  resourceOwner: string | undefined;
}

/** Events queued by a command for one stream; `stored` is filled when the transaction commits. */
export class PendingWrite {
  readonly events: DomainEvent[] = [];
  stored: StoredEvent[] = [];
  constructor(
    readonly target: LoadedAggregate<any>,
    /** The state before the first queued event: unique claims are judged from here. */
    readonly stateBefore: unknown,
    readonly resourceOwner: string,
  ) {}

  /** Details of the object after the write (docs/contract.md §2: on manipulation). */
  details(): ObjectDetails {
    const last = this.stored[this.stored.length - 1];
    return {
      sequence: last.sequence,
      changeDate: last.createdAt,
      creationDate: this.target.creationDate ?? this.stored[0].createdAt,
      resourceOwner: this.resourceOwner,
    };
  }
}


export interface CommandContext {
  /** Id of the acting user, recorded on every event. */
  creator: string;
}

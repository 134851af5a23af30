/** An event as a decider emits it: a stable type name and a JSON payload. */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

/** An event as the log holds it. */
export type StoredEvent<E extends DomainEvent = DomainEvent> = E & {
  aggregateType: string;
  aggregateId: string;
  /** Position in its aggregate's stream, from 1. */
  sequence: number;
  /** Global position in the log. */
  position: number;
  createdAt: Date;
  creator: string;
  resourceOwner: string;
};

/** A uniqueness the events of an aggregate hold, e.g. a username in an organization. */
export interface ClaimOp {
  op: "claim" | "release";
  scope: string;
  value: string;
}

/** What the event store needs to know of an aggregate: how to fold its events and what they claim. */
export interface Aggregate<S, E extends DomainEvent> {
  type: string;
  initialState(): S;
  evolve(state: S, event: StoredEvent<E>): S;
  /** Unique values an event claims or releases, given the state before it. */
  claims?(event: StoredEvent<E>, state: S): ClaimOp[];
  /**
   * Version of the state's shape in snapshots (default 1). Bump it when `evolve` or the state type
   * changes: snapshots of another version are ignored and the state is folded from the stream again.
   * The state must be JSON-serialisable (Dates allowed).
   */
  snapshotVersion?: number;
}

/** What one new event does to a read model, known without reading the old rows. */
export type RowChange =
  /** the whole row, inserted or replacing the old one */
  | { op: "upsert"; row: Record<string, unknown> }
  /** some columns of the row with this primary key, if it exists */
  | { op: "update"; key: Record<string, unknown>; set: Record<string, unknown> }
  /** every row matching these columns */
  | { op: "delete"; where: Record<string, unknown> };

/**
 * A read model table whose rows are a pure function of ONE aggregate's history. Inline updates apply
 * `evolve` to the new events only (constant cost, whatever the history); a rebuild folds every stream with
 * `rows`. A test keeps the two equal.
 */
export interface Projection {
  table: string;
  aggregateType: string;
  primaryKey: readonly string[];
  /** jsonb columns: their values are JSON text (a JS array would otherwise reach PostgreSQL as an array) */
  jsonColumns?: readonly string[];
  rows(stream: readonly StoredEvent[]): Record<string, unknown>[];
  evolve(event: StoredEvent): RowChange[];
}

/** The `details` of docs/contract.md §2: the state of one object after a command or as a read model holds it. */
export interface ObjectDetails {
  sequence: number;
  changeDate: Date;
  creationDate: Date;
  resourceOwner: string;
}

import type { ExecutionEvent } from "../../domain/action/execution.js";
import type { TargetEvent } from "../../domain/action/target.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";
import { changedDetails, createdDetails } from "../details.js";

const SETTINGS = { name: "name", endpoint: "endpoint", timeoutMs: "timeout_ms", targetType: "target_type", interruptOnError: "interrupt_on_error", signingKeyId: "signing_key_id" } as const;

function targetChange(event: StoredEvent<TargetEvent>): RowChange[] {
  const key = { id: event.aggregateId };
  switch (event.type) {
    case "target.added": {
      const d = event.data;
      const row = { id: event.aggregateId, name: d.name, endpoint: d.endpoint, timeout_ms: d.timeoutMs, target_type: d.targetType, interrupt_on_error: d.interruptOnError, signing_key_id: d.signingKeyId, state: "active" };
      return [{ op: "upsert", row: { ...row, ...createdDetails(event) } }];
    }
    case "target.changed": {
      const set: Record<string, unknown> = { state: "active", ...changedDetails(event) };
      for (const [field, column] of Object.entries(SETTINGS)) {
        const value = event.data[field as keyof typeof event.data];
        if (value !== undefined) set[column] = value;
      }
      return [{ op: "update", key, set }];
    }
    case "target.disabled":
      return [{ op: "update", key, set: { state: "disabled", ...changedDetails(event) } }];
    case "target.removed":
      return [{ op: "delete", where: key }];
    default:
      return [];
  }
}

/** Folds a stream by applying its changes to one row in memory (what a rebuild writes). */
function fold(stream: readonly StoredEvent[], change: (e: StoredEvent) => RowChange[]): Record<string, unknown>[] {
  let row: Record<string, unknown> | undefined;
  for (const event of stream) {
    for (const c of change(event)) {
      if (c.op === "upsert") row = { ...c.row };
      else if (c.op === "update" && row) row = { ...row, ...c.set };
      else if (c.op === "delete") row = undefined;
    }
  }
  return row ? [row] : [];
}

/** targets_v1: one row per target that exists (a removed target's row is deleted). */
export const targetsProjection: Projection = {
  table: "targets_v1",
  aggregateType: "target",
  primaryKey: ["id"],
  rows: (stream) => fold(stream, (e) => targetChange(e as StoredEvent<TargetEvent>)),
  evolve: (e) => targetChange(e as StoredEvent<TargetEvent>),
};

function executionChange(event: StoredEvent<ExecutionEvent>): RowChange[] {
  if (event.type === "execution.removed") return [{ op: "delete", where: { id: event.aggregateId } }];
  if (event.type !== "execution.set") return [];
  const { condition, targets } = event.data;
  const row = { id: event.aggregateId, condition_kind: condition.kind, condition_value: condition.kind === "all" ? null : condition.value, targets: JSON.stringify(targets) };
  // Each set replaces the row, so its creation date is that of the last set (the targets' current list).
  return [{ op: "upsert", row: { ...row, ...createdDetails(event) } }];
}

/** executions_v1: one row per condition that has targets. */
export const executionsProjection: Projection = {
  table: "executions_v1",
  aggregateType: "execution",
  primaryKey: ["id"],
  jsonColumns: ["targets"],
  rows: (stream) => fold(stream, (e) => executionChange(e as StoredEvent<ExecutionEvent>)),
  evolve: (e) => executionChange(e as StoredEvent<ExecutionEvent>),
};

import type { Aggregate, DomainEvent, StoredEvent } from "../../eventstore/types.js";
import { invalidArgument } from "../errors.js";

/** An event condition: one event type, a group (a type prefix, "user" = every user.* event), or all. */
export type EventCondition = { kind: "event"; value: string } | { kind: "group"; value: string } | { kind: "all" };

/** One execution per condition; its id says which (so setting it twice replaces it). */
export const executionId = (c: EventCondition) => (c.kind === "all" ? "event" : `event/${c.kind}/${c.value}`);

export type ExecutionEvent =
  | DomainEvent<"execution.set", { condition: EventCondition; targets: string[] }>
  | DomainEvent<"execution.removed", Record<string, never>>;

export type ExecutionState = { status: "absent" | "removed" } | { status: "set"; condition: EventCondition; targets: string[] };

export const executionAggregate: Aggregate<ExecutionState, ExecutionEvent> = {
  type: "execution",
  initialState: () => ({ status: "absent" }),
  evolve(state, event: StoredEvent<ExecutionEvent>) {
    if (event.type === "execution.set") return { status: "set", ...event.data };
    if (event.type === "execution.removed") return { status: "removed" };
    return state;
  },
};

export function validCondition(condition: EventCondition): EventCondition {
  if (condition.kind === "all") return condition;
  const value = condition.value.trim();
  if (value.length < 1 || value.length > 1000) throw invalidArgument("EXECUTION-condition-invalid", `${condition.kind} must have 1..1000 characters`);
  return { kind: condition.kind, value };
}

/** Sets the targets for a condition (the caller has checked that they exist); none removes the execution. */
export function setExecution(state: ExecutionState, condition: EventCondition, targets: string[]): ExecutionEvent[] {
  const unique = [...new Set(targets)];
  if (unique.length !== targets.length) throw invalidArgument("EXECUTION-targets-duplicate", "a target is listed twice");
  if (unique.length === 0) return state.status === "set" ? [{ type: "execution.removed", data: {} }] : [];
  if (state.status === "set" && state.targets.join() === unique.join()) return [];
  return [{ type: "execution.set", data: { condition, targets: unique } }];
}

/** Whether an event of this type meets the condition. */
export function conditionMatches(condition: EventCondition, eventType: string): boolean {
  if (condition.kind === "all") return true;
  if (condition.kind === "event") return eventType === condition.value;
  return eventType === condition.value || eventType.startsWith(`${condition.value}.`);
}

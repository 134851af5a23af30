import type { DomainEvent, Aggregate, StoredEvent } from "../../eventstore/types.js";
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from "../errors.js";

export type TargetType = "rest_webhook" | "rest_call" | "rest_async";

export interface TargetSettings {
  name: string;
  endpoint: string;
  timeoutMs: number;
  targetType: TargetType;
  interruptOnError: boolean;
}

/**
 * A target: where executions send events. The signing key itself lives in its own table, never in an event;
 * events name it by id. `target.disabled` is written by the delivery worker (410 Gone or too many failures)
 * and lifted by any later update.
 */
export type TargetEvent =
  | DomainEvent<"target.added", TargetSettings & { signingKeyId: string }>
  | DomainEvent<"target.changed", Partial<TargetSettings> & { signingKeyId?: string }>
  | DomainEvent<"target.disabled", { reason: "gone" | "failures"; detail: string }>
  | DomainEvent<"target.removed", { name: string }>;

export type TargetState =
  | { status: "absent" }
  | ({ status: "active" | "disabled" | "removed"; signingKeyId: string } & TargetSettings);

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 270_000;

export function evolveTarget(state: TargetState, event: StoredEvent<TargetEvent>): TargetState {
  switch (event.type) {
    case "target.added":
      return { status: "active", ...event.data };
    case "target.changed":
      return state.status === "absent" ? state : { ...state, ...event.data, status: state.status === "removed" ? "removed" : "active" };
    case "target.disabled":
      return state.status === "active" ? { ...state, status: "disabled" } : state;
    case "target.removed":
      return state.status === "absent" ? state : { ...state, status: "removed" };
    default:
      return state;
  }
}

export const targetAggregate: Aggregate<TargetState, TargetEvent> = {
  type: "target",
  initialState: () => ({ status: "absent" }),
  evolve: evolveTarget,
  claims(event, state) {
    if (event.type === "target.added") return [{ op: "claim", scope: "target_name", value: event.data.name }];
    if (event.type === "target.changed" && event.data.name !== undefined && state.status !== "absent" && event.data.name !== state.name) {
      return [
        { op: "release", scope: "target_name", value: state.name },
        { op: "claim", scope: "target_name", value: event.data.name },
      ];
    }
    if (event.type === "target.removed") return [{ op: "release", scope: "target_name", value: event.data.name }];
    return [];
  },
};

export const targetNotFound = () => notFound("TARGET-not-found", "Target could not be found");

/** Checks a name and a timeout; the endpoint is checked by the caller (it needs the SSRF policy). */
export function validSettings<T extends Partial<TargetSettings>>(input: T): T {
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 1000) throw invalidArgument("TARGET-name-invalid", "name must have 1..1000 characters");
    input = { ...input, name };
  }
  if (input.timeoutMs !== undefined && (input.timeoutMs < 0 || input.timeoutMs > MAX_TIMEOUT_MS)) {
    throw invalidArgument("TARGET-timeout-invalid", `timeout must be between 0s and ${MAX_TIMEOUT_MS / 1000}s`);
  }
  return input;
}

export function addTarget(state: TargetState, input: TargetSettings & { signingKeyId: string }): TargetEvent[] {
  if (state.status !== "absent") throw alreadyExists("TARGET-id-taken", "a target with this id already exists");
  return [{ type: "target.added", data: validSettings(input) }];
}

export function changeTarget(state: TargetState, input: Partial<TargetSettings> & { signingKeyId?: string }): TargetEvent[] {
  if (state.status === "absent" || state.status === "removed") throw targetNotFound();
  const change = validSettings(input);
  const changed = Object.entries(change).filter(([key, value]) => value !== undefined && state[key as keyof typeof state] !== value);
  // A disabled target is enabled again by any update, even one that changes nothing else.
  if (changed.length === 0 && state.status === "active") return [];
  return [{ type: "target.changed", data: Object.fromEntries(changed) }];
}

export function disableTarget(state: TargetState, reason: "gone" | "failures", detail: string): TargetEvent[] {
  if (state.status !== "active") throw failedPrecondition("TARGET-not-active", "Target is not active");
  return [{ type: "target.disabled", data: { reason, detail: detail.slice(0, 500) } }];
}

/** Removing a target that does not exist (any more) succeeds without an event, as the platform does. */
export function removeTarget(state: TargetState): TargetEvent[] {
  if (state.status === "absent" || state.status === "removed") return [];
  return [{ type: "target.removed", data: { name: state.name } }];
}

import { type Duration, durationFromMs } from "@bufbuild/protobuf/wkt";
import type { EventCondition } from "../../domain/action/execution.js";
import { DEFAULT_TIMEOUT_MS, type TargetType } from "../../domain/action/target.js";
import { invalidArgument, unimplemented } from "../../domain/errors.js";
import type { TargetRow } from "../../commands/action.js";
import { timestamp } from "../convert.js";

// The shapes v2beta and v2 share; each version's generated messages fit them.
type Oneof<C extends string, V> = { case: C; value: V } | { case: undefined; value?: undefined };
export type WireTargetType = Oneof<"restWebhook" | "restCall", { interruptOnError: boolean }> | { case: "restAsync"; value: object };
export interface WireCondition {
  conditionType:
    | { case: "event"; value: { condition: Oneof<"event" | "group", string> | { case: "all"; value: boolean } } }
    | { case: "request" | "response" | "function"; value: unknown }
    | { case: undefined; value?: undefined };
}

export function durationMs(d: Duration | undefined, fallback: number): number {
  if (!d) return fallback;
  if (d.seconds < 0n || d.nanos < 0) throw invalidArgument("TARGET-timeout-invalid", "timeout must not be negative");
  return Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
}

export const timeoutOf = (d: Duration | undefined) => durationMs(d, DEFAULT_TIMEOUT_MS);

export function targetTypeOf(t: WireTargetType): { targetType: TargetType; interruptOnError: boolean } | undefined {
  switch (t.case) {
    case "restWebhook":
      return { targetType: "rest_webhook", interruptOnError: t.value.interruptOnError };
    case "restCall":
      return { targetType: "rest_call", interruptOnError: t.value.interruptOnError };
    case "restAsync":
      return { targetType: "rest_async", interruptOnError: false };
    default:
      return undefined;
  }
}

/** Only event conditions run here; the others are refused plainly, not stored and ignored. */
export function eventConditionOf(condition: WireCondition | undefined): EventCondition {
  const type = condition?.conditionType;
  if (!type?.case) throw invalidArgument("EXECUTION-condition-missing", "condition is required");
  if (type.case !== "event") {
    throw unimplemented("EXECUTION-condition-unsupported", `${type.case} conditions are not supported by this server; only event conditions (event, group, all) are`);
  }
  const c = type.value.condition;
  if (c.case === "event" || c.case === "group") return { kind: c.case, value: c.value };
  if (c.case === "all" && c.value) return { kind: "all" };
  throw invalidArgument("EXECUTION-condition-missing", "an event condition needs event, group or all");
}

export function wireCondition(kind: string, value: string | null) {
  const condition = kind === "all" ? { case: "all" as const, value: true } : { case: kind as "event" | "group", value: value ?? "" };
  return { conditionType: { case: "event" as const, value: { condition } } };
}

export function wireTarget(row: TargetRow) {
  const interrupt = { interruptOnError: row.interrupt_on_error };
  const targetType =
    row.target_type === "rest_call" ? { case: "restCall" as const, value: interrupt } : row.target_type === "rest_async" ? { case: "restAsync" as const, value: {} } : { case: "restWebhook" as const, value: interrupt };
  return {
    id: row.id,
    creationDate: timestamp(row.creation_date),
    changeDate: timestamp(row.change_date),
    name: row.name,
    targetType,
    timeout: durationFromMs(row.timeout_ms),
    endpoint: row.endpoint,
    signingKey: row.signing_key,
  };
}

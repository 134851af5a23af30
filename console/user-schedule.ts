import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ScheduledDeactivation } from "../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { describeError, formatDate } from "./api.js";
import { h } from "./dom.js";
import { errorLine } from "./feedback.js";
import { lifecycle } from "./lifecycle-api.js";

/** The next step of a schedule that still lies ahead, or nothing: a past step is the scheduler's now. */
function nextStep(schedule: ScheduledDeactivation, now: Date): string | undefined {
  const deactivateAt = schedule.deactivateAt && timestampDate(schedule.deactivateAt);
  const deleteAt = schedule.deleteAt && timestampDate(schedule.deleteAt);
  if (!schedule.deactivated && deactivateAt && deactivateAt > now) {
    return `Deactivation scheduled for ${formatDate(schedule.deactivateAt)}${deleteAt ? `, deletion for ${formatDate(schedule.deleteAt)}` : ""}`;
  }
  if (deleteAt && deleteAt > now) return `Deletion scheduled for ${formatDate(schedule.deleteAt)}`;
  return undefined;
}

/** A user's pending schedule, shown only while time remains before its next step. */
export async function scheduleNotice(userId: string): Promise<HTMLElement | undefined> {
  try {
    const { schedule } = await lifecycle.getScheduledDeactivation({ userId });
    const text = schedule && nextStep(schedule, new Date());
    return text ? h("p", { class: "notice", id: "schedule", role: "note" }, text, h("span", { class: "details" }, ` (schedule ${schedule!.scheduleId})`)) : undefined;
  } catch (error) {
    return h("p", { id: "schedule" }, errorLine(describeError(error)));
  }
}

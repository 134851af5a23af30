import type { LiveEvent } from "./live.js";
import { creatorName } from "./names.js";

// The events worth telling an admin about when someone else causes them, in words.
const VERBS: Record<string, string> = {
  "user.human.added": "created",
  "user.machine.added": "created",
  "user.deactivated": "deactivated",
  "user.reactivated": "reactivated",
  "user.locked": "locked",
  "user.unlocked": "unlocked",
  "user.removed": "deleted",
  "org.added": "created",
  "org.deactivated": "deactivated",
  "org.reactivated": "reactivated",
  "org.removed": "removed",
};

export const isAnnounced = (event: LiveEvent) => event.type in VERBS;

/** "alice was locked by zitadel-admin" */
export async function describeChange(event: LiveEvent, subject: string): Promise<string> {
  const by = await creatorName(event.creator);
  return `Changed elsewhere: ${subject} was ${VERBS[event.type] ?? event.type} by ${by}`;
}

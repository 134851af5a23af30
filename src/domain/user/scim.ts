import { invalidArgument } from "../errors.js";
import { addHumanUser, type NewHuman } from "./create.js";
import { deactivateUser, existingUser, reactivateUser } from "./decide.js";
import { setPassword } from "./password.js";
import type { ScimAttributes, UserEvent } from "./events.js";
import { foldPending, type UserState } from "./state.js";

// The same rules as creation (create.ts): a name is never empty, an address has one @ and a dotted domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function requireText(field: string, value: string | null | undefined, required: boolean, max = 200): void {
  if (value === undefined || value === null) {
    if (required) throw invalidArgument(`USER-${field}-missing`, `${field} must not be empty`);
    return;
  }
  if (required && value.trim().length === 0) throw invalidArgument(`USER-${field}-missing`, `${field} must not be empty`);
  if (value.length > max) throw invalidArgument(`USER-${field}-too-long`, `${field} must be at most ${max} characters`);
}

/**
 * Records the attributes a SCIM client changed on a human user. `changes` holds only what differs from the
 * user as read; nothing to change is no event (IdPs resend what they already sent).
 */
export function setScimAttributes(state: UserState, changes: ScimAttributes): UserEvent[] {
  const user = existingUser(state);
  if (Object.keys(changes).length === 0) return [];
  if (user.kind !== "human") throw invalidArgument("USER-scim-machine", "SCIM manages human users only");
  if ("givenName" in changes) requireText("given_name", changes.givenName, true);
  if ("familyName" in changes) requireText("family_name", changes.familyName, true);
  requireText("display_name", changes.displayName, false);
  requireText("nick_name", changes.nickName, false);
  requireText("external_id", changes.externalId, false);
  requireText("phone", changes.phone, false);
  requireText("preferred_language", changes.preferredLanguage, false, 10);
  if (changes.email !== undefined && !EMAIL.test(changes.email)) throw invalidArgument("USER-email-invalid", "email is not a valid address");
  return [{ type: "user.scim.attributes.set", data: changes }];
}

/** What a SCIM PUT or PATCH asks of a user: the attributes that differ, the wanted `active`, a new password's hash. */
export interface ScimChange {
  attributes: ScimAttributes;
  active?: boolean;
  passwordHash?: string;
}

/**
 * One SCIM update as one decision: reactivate first if asked (so the other changes apply to an active
 * user), then attributes and password, then deactivate if asked. Asking for the state the user is already
 * in changes nothing, because IdPs resend state. Each step decides on the state the steps before it left.
 */
export function updateFromScim(state: UserState, change: ScimChange, now: Date): UserEvent[] {
  const events: UserEvent[] = [];
  let current = state;
  const apply = (next: UserEvent[]) => {
    events.push(...next);
    current = foldPending(current, next, now);
  };
  const inactive = existingUser(state).status === "inactive";
  if (change.active === true && inactive) apply(reactivateUser(current));
  apply(setScimAttributes(current, change.attributes));
  if (change.passwordHash) apply(setPassword(current, change.passwordHash, false, { kind: "none" }, now));
  if (change.active === false && !inactive) apply(deactivateUser(current));
  return events;
}

/**
 * A user provisioned by SCIM: AddHumanUser's decision (SCIM's addresses count as verified, ZITADEL's
 * default), its externalId, and `active: false` as a deactivation in the same append.
 */
export function addScimUser(state: UserState, human: NewHuman, extra: { externalId?: string; active?: boolean }): UserEvent[] {
  const events = addHumanUser(state, human);
  if (extra.externalId) events.push({ type: "user.scim.attributes.set", data: { externalId: extra.externalId } });
  if (extra.active === false) events.push({ type: "user.deactivated", data: {} });
  return events;
}

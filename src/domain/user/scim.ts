import { invalidArgument } from "../errors.js";
import { existingUser } from "./decide.js";
import type { ScimAttributes, UserEvent } from "./events.js";
import type { UserState } from "./state.js";

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

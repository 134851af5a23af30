import { alreadyExists, invalidArgument } from "../errors.js";
import type { HumanProfile, UserEvent } from "./events.js";
import type { UserState } from "./state.js";

export interface NewHuman {
  username: string;
  profile: HumanProfile;
  email: { address: string; verified: boolean };
  phone?: { number: string; verified: boolean };
  passwordHash?: string;
  passwordChangeRequired?: boolean;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Full RFC 5322 is not what users expect.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function requireLength(field: string, value: string, min: number, max: number): void {
  if (value.trim().length < min) throw invalidArgument(`USER-${field}-missing`, `${field} must not be empty`);
  if (value.length > max) throw invalidArgument(`USER-${field}-too-long`, `${field} must be at most ${max} characters`);
}

function requireNew(state: UserState): void {
  if (state.status !== "absent") throw alreadyExists("USER-id-taken", "a user with this id already exists");
}

export function addHumanUser(state: UserState, input: NewHuman): UserEvent[] {
  requireNew(state);
  requireLength("username", input.username, 1, 200);
  requireLength("given_name", input.profile.givenName, 1, 200);
  requireLength("family_name", input.profile.familyName, 1, 200);
  if ((input.profile.preferredLanguage ?? "").length > 10) {
    throw invalidArgument("USER-preferred_language-too-long", "preferred_language must be at most 10 characters");
  }
  if (!EMAIL.test(input.email.address)) throw invalidArgument("USER-email-invalid", "email is not a valid address");
  return [{ type: "user.human.added", data: { ...input } }];
}

export function addMachineUser(state: UserState, input: { username: string; name: string; description: string }): UserEvent[] {
  requireNew(state);
  requireLength("username", input.username, 1, 200);
  requireLength("name", input.name, 1, 200);
  return [{ type: "user.machine.added", data: input }];
}

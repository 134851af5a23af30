import type { DomainEvent } from "../../eventstore/types.js";

export interface HumanProfile {
  givenName: string;
  familyName: string;
  nickName?: string;
  displayName?: string;
  preferredLanguage?: string;
  /** zitadel Gender enum number */
  gender?: number;
}

export type UserEvent =
  | DomainEvent<
      "user.human.added",
      {
        username: string;
        profile: HumanProfile;
        email: { address: string; verified: boolean };
        phone?: { number: string; verified: boolean };
        /** Hash only (never the password); present when the user was created with one. */
        passwordHash?: string;
        passwordChangeRequired?: boolean;
      }
    >
  | DomainEvent<"user.machine.added", { username: string; name: string; description: string }>
  | DomainEvent<"user.deactivated", Record<string, never>>
  | DomainEvent<"user.reactivated", Record<string, never>>
  | DomainEvent<"user.locked", { reason?: "manual" | "password_attempts" }>
  | DomainEvent<"user.unlocked", { reason?: "manual" | "lockout_expired" }>
  | DomainEvent<"user.removed", { username: string }>
  | DomainEvent<"user.pat.added", { tokenId: string; tokenHash: string; expiration: string | null }>;

export type UserEventType = UserEvent["type"];

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
  /** Why, when a background job acted: the inactivity policy or the schedule (absent for a person's click). */
  | DomainEvent<"user.deactivated", DeactivationReason>
  | DomainEvent<"user.reactivated", Record<string, never>>
  | DomainEvent<"user.locked", { reason?: "manual" | "password_attempts" }>
  | DomainEvent<"user.unlocked", { reason?: "manual" | "lockout_expired" }>
  | DomainEvent<"user.removed", { username: string; scheduleId?: string }>
  | DomainEvent<"user.pat.added", { tokenId: string; tokenHash: string; expiration: string | null }>
  /** Hash only; resets the failed-attempt count and consumes any password code. */
  | DomainEvent<"user.password.changed", { hash: string; changeRequired: boolean }>
  /** A one-time code for SetPassword: only its SHA-256, and when it stops being accepted (ISO date). */
  | DomainEvent<"user.password.code.added", { codeHash: string; expiry: string }>
  | DomainEvent<"user.password.check.succeeded", Record<string, never>>
  | DomainEvent<"user.password.check.failed", Record<string, never>>
  /** Profile and contact fields a SCIM client set (only those that changed); see scim.ts. */
  | DomainEvent<"user.scim.attributes.set", ScimAttributes>
  /** The user signed in or used a token; `until` ends the bucket it stands for (see lifecycle.ts). */
  | DomainEvent<"user.activity.recorded", { via: ActivityKind; until: string }>
  | DomainEvent<"user.deactivation.scheduled", { scheduleId: string; deactivateAt: string; deleteAt?: string }>
  | DomainEvent<"user.deactivation.schedule.cancelled", { scheduleId: string; reason: "cancelled" | "replaced" | "not_deactivatable" }>
  /** The schedule's deactivation found the user already inactive; a deletion, if asked for, still follows. */
  | DomainEvent<"user.deactivation.schedule.skipped", { scheduleId: string; reason: "already_inactive" }>
  | DomainEvent<"user.lifecycle.exemption.set", { exempt: boolean }>;

export type ActivityKind = "password" | "token";

export interface DeactivationReason {
  policyId?: string;
  scheduleId?: string;
}

/** The human attributes a SCIM client may change after creation; `null` clears an optional one. */
export interface ScimAttributes {
  externalId?: string | null;
  givenName?: string;
  familyName?: string;
  displayName?: string | null;
  nickName?: string | null;
  preferredLanguage?: string | null;
  email?: string;
  phone?: string | null;
}

export type UserEventType = UserEvent["type"];

import type { DomainEvent } from "../../eventstore/types.js";

export type SessionEvent =
  | DomainEvent<
      "session.added",
      {
        userId: string;
        /** SHA-256 of the session token; the token itself is shown once and never stored. */
        tokenHash: string;
        userCheckedAt: string;
        /** null: the session has no password factor and does not authenticate calls */
        passwordCheckedAt: string | null;
        expiration: string | null;
        /** values base64-encoded */
        metadata: Record<string, string>;
      }
    >
  | DomainEvent<"session.terminated", Record<string, never>>;

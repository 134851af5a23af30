import type { DomainEvent } from "../../eventstore/types.js";

export type OrgEvent =
  | DomainEvent<"org.added", { name: string; primaryDomain: string }>
  | DomainEvent<"org.deactivated", Record<string, never>>
  | DomainEvent<"org.reactivated", Record<string, never>>
  | DomainEvent<"org.removed", { name: string }>
  | DomainEvent<"org.member.added", { userId: string; roles: string[] }>;

import type { DomainEvent } from "../../eventstore/types.js";

/**
 * API keys of the /v1/users surface. Only the key's SHA-256 is ever stored; `orgId`, when set, limits the
 * key to users of that organization.
 */
export type ApiKeyEvent =
  | DomainEvent<"api_key.added", { name: string; keyHash: string; orgId?: string }>
  | DomainEvent<"api_key.revoked", Record<string, never>>;

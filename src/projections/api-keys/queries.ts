import type { Db } from "../../db/database.js";

export interface ActiveApiKey {
  id: string;
  /** Set when the key may act only on users of this organization. */
  orgId: string | null;
}

/** The active key with this hash; a revoked key is not found from the moment its revocation commits. */
export async function activeApiKeyByHash(db: Db, keyHash: string): Promise<ActiveApiKey | undefined> {
  return db
    .selectFrom("api_keys_v1")
    .select(["id", "org_id as orgId"])
    .where("key_hash", "=", keyHash)
    .where("state", "=", "active")
    .executeTakeFirst();
}

import type { Db } from "../../db/database.js";

/** Users whose lock by the lockout policy was placed at or before `lockedBefore` (due to lift). */
export async function policyLocksPlacedBefore(db: Db, lockedBefore: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("user_login_states_v1")
    .select("user_id")
    .where("policy_locked_at", "<=", lockedBefore)
    .orderBy("policy_locked_at")
    .limit(limit)
    .execute();
  return rows.map((row) => row.user_id);
}

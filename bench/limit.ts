import pg from "pg";
import { cycle, type LifecycleCommand } from "./lifecycle.js";
import { measure, type PassResult } from "./stats.js";

const effects: Record<LifecycleCommand, { type: string; payload: string; state: string }> = {
  lockUser: { type: "user.locked", payload: '{"reason":"manual"}', state: "locked" },
  unlockUser: { type: "user.unlocked", payload: '{"reason":"manual"}', state: "active" },
  deactivateUser: { type: "user.deactivated", payload: "{}", state: "inactive" },
  reactivateUser: { type: "user.reactivated", payload: "{}", state: "active" },
};

/**
 * The limit: the SQL a command cannot do without, issued directly with `pg` on the server's own tables
 * and users: BEGIN, read the stream version, insert the event, update the read model row, COMMIT.
 * No RPC, no auth, no domain code. The pool has the server's size (20) and the same clients share it.
 */
export async function runLimit(databaseUrl: string, userIds: readonly string[], concurrency: number, creator: string): Promise<PassResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  try {
    return await measure(userIds, { concurrency }, async (userId, time) => {
      for (const command of cycle) {
        await time(async () => {
          const { type, payload, state } = effects[command];
          const client = await pool.connect();
          try {
            await client.query("begin");
            const version = await client.query<{ v: number; owner: string }>(
              "select max(sequence) as v, min(resource_owner) as owner from events where aggregate_type = 'user' and aggregate_id = $1",
              [userId],
            );
            const { v, owner } = version.rows[0];
            const now = new Date();
            const inserted = await client.query<{ position: string }>(
              `insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
               values ('user', $1, $2, $3, $4, $5, $6, $7) returning position`,
              [userId, v + 1, type, payload, creator, owner, now],
            );
            await client.query("update users_v1 set state = $2, sequence = $3, position = $4, change_date = $5 where id = $1", [
              userId,
              state,
              v + 1,
              inserted.rows[0].position,
              now,
            ]);
            await client.query("commit");
          } catch (error) {
            await client.query("rollback");
            throw error;
          } finally {
            client.release();
          }
        });
      }
    });
  } finally {
    await pool.end();
  }
}

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
 * With `statements: 2` the same work is two round trips: the version read, then insert and update in
 * ONE statement (a CTE, atomic on its own): what a single-round-trip append could reach.
 */
export function openLimit(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  return {
    run(userIds: readonly string[], concurrency: number, creator: string, statements: 5 | 2 = 5): Promise<PassResult> {
      const command = statements === 5 ? fiveStatements : twoStatements;
      return measure(userIds, { concurrency }, async (userId, time) => {
        for (const name of cycle) await time(() => command(pool, userId, effects[name], creator));
      });
    },
    close: () => pool.end(),
  };
}

type Effect = (typeof effects)[LifecycleCommand];
const versionSql = "select max(sequence) as v, min(resource_owner) as owner from events where aggregate_type = 'user' and aggregate_id = $1";

async function fiveStatements(pool: pg.Pool, userId: string, { type, payload, state }: Effect, creator: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const { v, owner } = (await client.query<{ v: number; owner: string }>(versionSql, [userId])).rows[0];
    const now = new Date();
    const inserted = await client.query<{ position: string }>(
      `insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
       values ('user', $1, $2, $3, $4, $5, $6, $7) returning position`,
      [userId, v + 1, type, payload, creator, owner, now],
    );
    await client.query("update users_v1 set state = $2, sequence = $3, position = $4, change_date = $5 where id = $1", [userId, state, v + 1, inserted.rows[0].position, now]);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

async function twoStatements(pool: pg.Pool, userId: string, { type, payload, state }: Effect, creator: string): Promise<void> {
  const { v, owner } = (await pool.query<{ v: number; owner: string }>(versionSql, [userId])).rows[0];
  await pool.query(
    `with e as (
       insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
       values ('user', $1, $2, $3, $4, $5, $6, now()) returning position, sequence, created_at)
     update users_v1 u set state = $7, sequence = e.sequence, position = e.position, change_date = e.created_at from e where u.id = $1`,
    [userId, v + 1, type, payload, creator, owner, state],
  );
}

import { isDeepStrictEqual } from "node:util";
import { sql } from "kysely";
import type { Db } from "../src/db/database.js";
import { userAggregate } from "../src/domain/user/state.js";
import { encodeState } from "../src/eventstore/snapshots.js";

/**
 * Gives each user `events` more events (whole lock → unlock cycles, so each ends ACTIVE as it began)
 * straight into the log, as if the service had written them, and moves the user's snapshot to the new
 * version as the service's own appends would have. A whole number of cycles leaves the state as it was (a
 * reactivation would not: it restarts the user's idle time); the first user's
 * state is checked against the fold of its whole stream.
 */
export async function addLongHistories(db: Db, userIds: readonly string[], events: number): Promise<void> {
  const cycles = Math.max(1, Math.round(events / 2));
  for (let from = 0; from < userIds.length; from += 500) {
    const ids = userIds.slice(from, from + 500);
    // 500 × 1,000 rows in one statement: longer than the service's statement timeout on a busy machine.
    await db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = 0`.execute(trx);
      await sql`
      insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
      select 'user', e.aggregate_id, e.sequence + s,
        (array['user.locked', 'user.unlocked'])[((s - 1) % 2) + 1],
        '{"reason":"manual"}'::jsonb,
        'bench', e.resource_owner, e.created_at + s * interval '1 millisecond'
      from (select distinct on (aggregate_id) aggregate_id, sequence, resource_owner, created_at from events
            where aggregate_type = 'user' and aggregate_id in (${sql.join(ids)}) order by aggregate_id, sequence desc) e
      cross join generate_series(1, ${cycles * 2}::int) s
      order by s, e.aggregate_id`.execute(trx);
      await sql`update aggregate_snapshots set version = version + ${cycles * 2}
              where aggregate_type = 'user' and aggregate_id in (${sql.join(ids)})`.execute(trx);
    });
  }
  // Parsed here, not by pg: the Emmett peer, loaded in this process, changes how pg parses jsonb.
  const [first] = userIds;
  const { rows } = await sql<{ type: string; payload: string; sequence: number; resource_owner: string; created_at: Date }>`
    select type, payload::text as payload, sequence, resource_owner, created_at from events
    where aggregate_type = 'user' and aggregate_id = ${first} order by sequence`.execute(db);
  const folded = rows.reduce(
    (state, row) => userAggregate.evolve(state, { type: row.type, data: JSON.parse(row.payload), aggregateType: "user", aggregateId: first, sequence: row.sequence, position: 0, createdAt: row.created_at, creator: "", resourceOwner: row.resource_owner } as never),
    userAggregate.initialState(),
  );
  const snapshot = (await sql<{ state: string; version: number }>`select state::text as state, version from aggregate_snapshots
    where aggregate_type = 'user' and aggregate_id = ${first}`.execute(db)).rows[0];
  if (!isDeepStrictEqual(JSON.parse(snapshot.state), JSON.parse(encodeState(folded))) || snapshot.version !== rows.length) {
    throw new Error(`long histories: snapshot ${snapshot.state} v${snapshot.version} != fold ${encodeState(folded)} v${rows.length}`);
  }
}

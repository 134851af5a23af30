import { sql } from "kysely";
import type { Db } from "../src/db/database.js";

export interface GeneratedUsers {
  users: number;
  events: number;
  /** Ids are `idBase + n` for n in 1..users, decimal strings like real ids. */
  idBase: bigint;
  usernamePrefix: string;
}

const CHUNK = 20_000;

/**
 * Appends `users` human user streams straight into `events` with one `insert … select generate_series`
 * per chunk: `user.human.added` (verified email, so ACTIVE) and then about `eventsPerUser - 1` lifecycle
 * events cycling lock → unlock → deactivate → reactivate, so streams end LOCKED, ACTIVE or INACTIVE.
 * Payloads are those of src/domain/user/events.ts; events of different users interleave in position
 * order as they would in a live log. Username claims are written as the service writes them. Read
 * models are NOT written here: they are what the rebuild derives.
 */
export async function generateUserStreams(db: Db, options: { users: number; eventsPerUser: number; orgId: string }): Promise<GeneratedUsers> {
  const idBase = 900_000_000_000_000_000n;
  const usernamePrefix = "gen-";
  const base = Math.max(1, Math.ceil(options.eventsPerUser) - 1);
  for (let from = 1; from <= options.users; from += CHUNK) {
    const to = Math.min(options.users, from + CHUNK - 1);
    await sql`
      insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
      select 'user', (${idBase.toString()}::bigint + u)::text, s,
        case when s = 1 then 'user.human.added'
          else (array['user.locked', 'user.unlocked', 'user.deactivated', 'user.reactivated'])[((s - 2) % 4) + 1] end,
        case when s = 1 then jsonb_build_object(
            'username', ${usernamePrefix}::text || u,
            'profile', jsonb_build_object('givenName', 'Gen', 'familyName', 'User ' || u),
            'email', jsonb_build_object('address', ${usernamePrefix}::text || u || '@example.com', 'verified', true))
          when (s - 2) % 4 in (0, 1) then '{"reason":"manual"}'::jsonb
          else '{}'::jsonb end,
        'system', ${options.orgId}::text, now() - interval '1 day' + s * interval '1 second'
      from generate_series(${from}::int, ${to}::int) u
      cross join lateral generate_series(1, 1 + greatest(1, ${base}::int + (u % 5) - 2)) s
      order by s, u`.execute(db);
    await sql`
      insert into unique_claims (scope, value, aggregate_id)
      select 'username:' || ${options.orgId}::text, ${usernamePrefix}::text || u, (${idBase.toString()}::bigint + u)::text
      from generate_series(${from}::int, ${to}::int) u`.execute(db);
  }
  let events = 0;
  for (let u = 1; u <= options.users; u++) events += 1 + Math.max(1, base + (u % 5) - 2);
  return { users: options.users, events, idBase, usernamePrefix };
}

export const generatedUserId = (generated: GeneratedUsers, n: number) => (generated.idBase + BigInt(n)).toString();

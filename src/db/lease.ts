import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./database.js";

/** A lease holder's name: host and pid for the operator, a random part because pids repeat across restarts. */
export const newHolderId = () => `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;

/**
 * Takes or renews the lease on `job` for `ttlMs`, by the database's clock (instances' clocks may disagree).
 * True when `holder` holds it now. One statement: a concurrent taker waits on the row and then sees a lease
 * that is neither its own nor expired, so exactly one of any number of processes wins.
 */
export async function holdLease(db: Db, job: string, holder: string, ttlMs: number): Promise<boolean> {
  const { rows } = await sql<{ holder: string }>`
    insert into job_leases (job, holder, expires_at)
    values (${job}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
    on conflict (job) do update set holder = excluded.holder, expires_at = excluded.expires_at
      where job_leases.holder = excluded.holder or job_leases.expires_at < now()
    returning holder`.execute(db);
  return rows.length === 1;
}

/** Gives the lease up (a graceful stop), so another process takes the job over on its next run, not at expiry. */
export async function releaseLease(db: Db, job: string, holder: string): Promise<void> {
  await sql`delete from job_leases where job = ${job} and holder = ${holder}`.execute(db);
}

import { sql } from "kysely";
import { budgetLeftMs } from "../db/budget.js";
import type { Db } from "../db/database.js";
import type { AppendedRow, AppendPlan } from "./append.js";
import { OutcomeUnknownError } from "./errors.js";

/** Attempts at the check, and the pause before each retry: a connection reset is often followed by a quick reconnect. */
const CHECK_PAUSES_MS = [0, 250, 1_000];

/**
 * After the connection failed with the append in flight, finds out whether it committed: looks for its
 * events by their own key (aggregate and sequence) on a new connection, and compares what it finds with
 * what was sent (type, creator, time), so another command's event at the same place does not count.
 * Returns the appended rows when it committed, undefined when it did not; throws OutcomeUnknownError
 * when the check itself cannot run (or the request's database budget runs out first).
 */
export async function appendedAfterLostReply(db: Db, plan: AppendPlan, cause: unknown): Promise<AppendedRow[] | undefined> {
  const keys = plan.rows.map((row) => sql`(${row.aggregate_type as string}, ${row.aggregate_id as string}, ${row.sequence as number}::int)`);
  let lastError: unknown = cause;
  for (const pause of CHECK_PAUSES_MS) {
    const left = budgetLeftMs();
    if (left !== undefined && left <= pause) break;
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      const { rows } = await sql<AppendedRow & { type: string; creator: string; created_at: Date }>`
        select position, aggregate_type, aggregate_id, sequence, type, creator, created_at from events
        where (aggregate_type, aggregate_id, sequence) in (${sql.join(keys)})`.execute(db);
      const ours = plan.rows.every((sent) =>
        rows.some(
          (found) =>
            found.aggregate_type === sent.aggregate_type &&
            found.aggregate_id === sent.aggregate_id &&
            Number(found.sequence) === sent.sequence &&
            found.type === sent.type &&
            found.creator === sent.creator &&
            new Date(found.created_at).getTime() === (sent.created_at as Date).getTime(),
        ),
      );
      return ours ? rows.map(({ position, aggregate_type, aggregate_id, sequence }) => ({ position: Number(position), aggregate_type, aggregate_id, sequence: Number(sequence) })) : undefined;
    } catch (error) {
      lastError = error;
    }
  }
  throw new OutcomeUnknownError(lastError);
}

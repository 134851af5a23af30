import { createHash, randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Db } from "../db/database.js";
import type { Database } from "../db/schema.js";

/** A ref is remembered this long; after that the same ref is a new request. */
export const RETENTION_SECONDS = 24 * 60 * 60;
/** An in_progress claim this old belongs to a request that died (crash, lost connection): it may be taken over. */
export const ABANDONED_AFTER_SECONDS = 30;

/** The right to execute one request with a ref, held by the request that claimed it. */
export interface Claim {
  apiKeyId: string;
  ref: string;
  claimId: string;
}

export type ClaimResult =
  | { kind: "claimed"; claim: Claim }
  | { kind: "replay"; status: number; body: string | null }
  | { kind: "in-progress" }
  | { kind: "mismatch" };

/** The claim was taken over by another request before this one could record its outcome. */
export class ClaimLostError extends Error {
  constructor() {
    super("idempotency claim was taken over");
  }
}

/** Identifies the operation and payload a ref was first used for. */
export function fingerprint(method: string, path: string, body: Buffer): string {
  return createHash("sha256").update(`${method} ${path}\n`).update(body).digest("hex");
}

/**
 * Idempotency records, in the database so every instance sees the same ones. All times are the database's
 * clock (`now()`), so instances with skewed clocks agree on what is expired or abandoned.
 */
export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  /**
   * Claims the ref in one short statement of its own, so concurrent duplicates see the claim at once. The
   * upsert also takes over an expired record, or an abandoned claim for the same payload; otherwise the
   * existing record decides: same payload → replay (done) or in progress, other payload → mismatch.
   */
  async claim(apiKeyId: string, ref: string, print: string): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimId = randomUUID();
      const taken = await sql<{ claim_id: string }>`
        insert into idempotency_records as r (api_key_id, ref, fingerprint, state, claim_id, created_at)
        values (${apiKeyId}, ${ref}, ${print}, 'in_progress', ${claimId}, now())
        on conflict (api_key_id, ref) do update
          set fingerprint = excluded.fingerprint, state = 'in_progress', claim_id = excluded.claim_id,
              status = null, body = null, created_at = excluded.created_at
          where r.created_at < now() - make_interval(secs => ${RETENTION_SECONDS})
             or (r.state = 'in_progress' and r.fingerprint = excluded.fingerprint
                 and r.created_at < now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS}))
        returning claim_id`.execute(this.db);
      if (taken.rows.length > 0) return { kind: "claimed", claim: { apiKeyId, ref, claimId } };

      const row = await this.db
        .selectFrom("idempotency_records")
        .select(["fingerprint", "state", "status", "body"])
        .where("api_key_id", "=", apiKeyId)
        .where("ref", "=", ref)
        .executeTakeFirst();
      if (!row) continue; // pruned between the two statements: claim again
      if (row.fingerprint !== print) return { kind: "mismatch" };
      if (row.state === "done" && row.status !== null) return { kind: "replay", status: row.status, body: row.body };
      return { kind: "in-progress" };
    }
    return { kind: "in-progress" };
  }

  /**
   * Records the outcome. Called inside the command's transaction for a success (so the record and the
   * events commit together), on its own for a refusal. Only the current holder of the claim may complete it.
   */
  async complete(db: Kysely<Database>, claim: Claim, status: number, body: string | null): Promise<void> {
    const updated = await db
      .updateTable("idempotency_records")
      .set({ state: "done", status, body })
      .where("api_key_id", "=", claim.apiKeyId)
      .where("ref", "=", claim.ref)
      .where("claim_id", "=", claim.claimId)
      .where("state", "=", "in_progress")
      .returning("ref")
      .execute();
    if (updated.length === 0) throw new ClaimLostError();
  }

  /** Gives the ref back after a fault: nothing was executed, so a retry may run it. */
  async release(claim: Claim): Promise<void> {
    await this.db
      .deleteFrom("idempotency_records")
      .where("api_key_id", "=", claim.apiKeyId)
      .where("ref", "=", claim.ref)
      .where("claim_id", "=", claim.claimId)
      .where("state", "=", "in_progress")
      .execute();
  }

  /**
   * Deletes expired records in bounded batches; returns how many. Correctness never depends on it (claim
   * treats an expired record as absent), so any instance may run it at any time.
   */
  async prune(batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await sql<{ ref: string }>`
        delete from idempotency_records where (api_key_id, ref) in (
          select api_key_id, ref from idempotency_records
          where created_at < now() - make_interval(secs => ${RETENTION_SECONDS})
          limit ${batch})
        returning ref`.execute(this.db);
      total += deleted.rows.length;
      if (deleted.rows.length < batch) return total;
    }
  }
}

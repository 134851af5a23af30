import { type Selectable, sql } from "kysely";
import { batcherOn } from "../../db/batcher.js";
import type { Db } from "../../db/database.js";
import type { UsersTable } from "../../db/schema.js";

export type UserRow = Selectable<UsersTable>;

/** A user's read-model row; concurrent lookups share one statement (db/batcher.ts). */
export function getUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return batcherOn(db, "users_v1 by id", (ids: string[]) => usersByIds(db, ids))(id);
}

async function usersByIds(db: Db, ids: string[]): Promise<(UserRow | undefined)[]> {
  const rows = await db.selectFrom("users_v1").selectAll().where("id", "=", sql<string>`any(${[...new Set(ids)]}::text[])`).execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    return row && { ...row };
  });
}

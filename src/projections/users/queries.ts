import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { UsersTable } from "../../db/schema.js";

export type UserRow = Selectable<UsersTable>;

export async function getUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users_v1").selectAll().where("id", "=", id).executeTakeFirst();
}

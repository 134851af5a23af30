import { sql } from "kysely";
import type { Db } from "../../db/database.js";

/**
 * Drops the indexes of `tables` that back no constraint (primary keys and unique constraints stay, as
 * the inserts need them) and returns a function that re-creates them from their definitions. Building an
 * index once over the loaded rows costs less than updating it row by row (users_v1 has a handful for
 * its lists). Inside the rebuild's transaction: a failure rolls the drop back, and the truncate already
 * holds the tables' exclusive lock, so no reader sees them missing.
 */
export async function dropSecondaryIndexes(db: Db, tables: readonly string[]): Promise<() => Promise<void>> {
  const { rows } = await sql<{ name: string; definition: string }>`
    select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_namespace n on n.oid = c.relnamespace
    where i.indrelid in (select unnest(${tables as string[]}::text[])::regclass)
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
    order by c.relname`.execute(db);
  for (const { name } of rows) await sql`drop index ${sql.raw(name)}`.execute(db);
  return async () => {
    for (const { definition } of rows) await sql.raw(definition).execute(db);
  };
}

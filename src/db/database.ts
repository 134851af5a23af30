import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import { preparedStatementPool } from "./prepared.js";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  /** postgres://… selects a PostgreSQL server; otherwise the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; ":memory:" for a throwaway database. */
  dataDir: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export interface OpenDatabase {
  db: Db;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

const INT8_OID = 20;

export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      // int8 (positions, counts) as numbers like PGlite returns them; all of ours stay below 2^53.
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client that loses its server must not crash the process; the next query reports the fault.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatementPool(pool) }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  if (options.dataDir !== ":memory:") mkdirSync(options.dataDir, { recursive: true });
  const pglite = options.dataDir === ":memory:" ? new PGlite() : new PGlite(options.dataDir);
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: "pglite", close: () => db.destroy() };
}

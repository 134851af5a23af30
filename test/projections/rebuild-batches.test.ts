import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, type OpenDatabase, openDatabase } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import type { Projection } from "../../src/eventstore/types.js";
import { rebuildProjections } from "../../src/projections/rebuild.js";
import { projections } from "../../src/projections/registry.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";

// The rebuild's mechanics on a log written straight into `events`: batches that split streams, the
// pipeline's error path, keys yielded twice, the indexes it drops and re-creates. That it yields what the
// inline projections write, through the API, is rebuild.test.ts.

const LIFECYCLE = ["user.locked", "user.unlocked", "user.deactivated", "user.reactivated"];

/** A human user stream of `events` events (created, then lifecycle events), as the service writes them. */
async function appendUser(db: Db, id: string, events: number): Promise<void> {
  const added = { username: `u-${id}`, profile: { givenName: "Given", familyName: id }, email: { address: `${id}@example.com`, verified: true } };
  for (let sequence = 1; sequence <= events; sequence++) {
    const type = sequence === 1 ? "user.human.added" : LIFECYCLE[(sequence - 2) % 4];
    const payload = sequence === 1 ? added : type === "user.locked" ? { reason: "manual" } : {};
    await sql`
      insert into events (aggregate_type, aggregate_id, sequence, type, payload, creator, resource_owner, created_at)
      values ('user', ${id}, ${sequence}, ${type}, ${JSON.stringify(payload)}::jsonb, 'system', 'org-1',
              timestamptz '2026-01-01 00:00:00.123999+00' + ${sequence} * interval '1 second')`.execute(db);
  }
}

async function readModels(db: Db) {
  const tables: Record<string, string[]> = {};
  for (const table of new Set(projections.map((p) => p.table))) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    tables[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return tables;
}

/** A read model over user streams whose every stream yields the key "same" twice. */
const sameKeyProjection: Projection = {
  table: "rebuild_test_v1",
  aggregateType: "user",
  primaryKey: ["k"],
  rows: (stream) => [
    { k: "same", v: `${stream[0].aggregateId}/first`, at: stream[0].createdAt },
    { k: "same", v: `${stream[0].aggregateId}/last`, at: stream[stream.length - 1].createdAt },
  ],
  evolve: () => [],
};

describe.each(databaseKinds)("projection rebuild in batches on %s", (kind) => {
  let database: OpenDatabase;
  let drop = async () => {};

  beforeAll(async () => {
    if (kind === "postgres") {
      const scratch = await createScratchDatabase();
      drop = scratch.drop;
      database = await openDatabase({ databaseUrl: scratch.url, dataDir: "" });
    } else {
      database = await openDatabase({ dataDir: ":memory:" });
    }
    await migrateToLatest(database.db);
    await sql`create table rebuild_test_v1 (k text primary key, v text not null, at timestamptz not null)`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await drop();
  });

  it("empties the read models of an empty log and reports it", async () => {
    const db = database.db;
    await sql`insert into user_login_states_v1 (user_id, sessions_valid_after) values ('stale', 1)`.execute(db);
    const progress: { events: number; total: number }[] = [];
    expect(await rebuildProjections(db, projections, { onProgress: (p) => progress.push(p) })).toEqual({ events: 0, streams: 0 });
    expect(progress).toEqual([{ events: 0, total: 0 }]);
    expect(Object.values(await readModels(db)).flat()).toEqual([]);
  });

  it("yields the same rows whether a batch holds the whole log or splits streams, and reports each batch", async () => {
    const db = database.db;
    for (let n = 1; n <= 9; n++) await appendUser(db, `user-${n}`, n);
    await rebuildProjections(db, projections, { batchSize: 1_000 });
    const whole = await readModels(db);
    expect(whole.users_v1).toHaveLength(9);
    expect(whole.user_login_states_v1.length).toBeGreaterThan(4);
    // Microseconds are cut as the drivers cut them when the event store reads an event (never rounded up).
    const { rows } = await sql<{ stored: string }>`select to_char(creation_date at time zone 'UTC', 'HH24:MI:SS.US') as stored from users_v1 where id = 'user-1'`.execute(db);
    expect(rows[0].stored).toBe("00:00:01.123000");

    const progress: { events: number; total: number }[] = [];
    const result = await rebuildProjections(db, projections, { batchSize: 4, onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ events: 45, streams: 9 });
    expect(await readModels(db)).toEqual(whole);
    expect(progress.map((p) => p.events)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 45]);
    expect(progress.every((p) => p.total === 45)).toBe(true);
  });

  it("keeps the last row of a key yielded twice, within a batch and across batches", async () => {
    const db = database.db;
    for (const batchSize of [1_000, 3]) {
      await rebuildProjections(db, [sameKeyProjection], { batchSize });
      const { rows } = await sql<{ k: string; v: string }>`select k, v from rebuild_test_v1`.execute(db);
      expect(rows).toEqual([{ k: "same", v: "user-9/last" }]);
    }
  });

  it("re-creates the read models' other indexes as they were", async () => {
    const db = database.db;
    const indexes = async () =>
      (await sql<{ definition: string }>`select indexdef as definition from pg_indexes where tablename like '%\_v1' order by indexname`.execute(db)).rows.map((r) => r.definition);
    const before = await indexes();
    expect(before.some((d) => d.includes("users_v1_username"))).toBe(true);
    await rebuildProjections(db, projections, { batchSize: 7 });
    expect(await indexes()).toEqual(before);
  });

  it("fails with the failing write's own error and leaves the read models as they were", async () => {
    const db = database.db;
    await sql`insert into rebuild_test_v1 values ('kept', 'kept', now()) on conflict do nothing`.execute(db);
    const before = await readModels(db);
    const broken: Projection = { ...sameKeyProjection, rows: (stream) => [{ k: stream[0].aggregateId, v: null, at: stream[0].createdAt }] };
    // Small batches queue reads behind the failing write: they fail too, but the cause is the write.
    await expect(rebuildProjections(db, [...projections, broken], { batchSize: 2 })).rejects.toThrow(/null value in column "v"/);
    expect(await readModels(db)).toEqual(before);
    expect((await sql`select k from rebuild_test_v1 where k = 'kept'`.execute(db)).rows).toHaveLength(1);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";
import { openDatabase } from "../../src/db/database.js";
import { DEFAULT_PGLITE_SETTINGS, openPglite, writePgliteTemplate } from "../../src/db/pglite.js";
import { pollUntil } from "../faults/server-process.js";

const show = async (pglite: PGlite, name: string) => (await pglite.query<Record<string, string>>(`show ${name}`)).rows[0][name];

describe("PGlite memory settings", () => {
  it("reads PGLITE_SHARED_BUFFERS and PGLITE_CHECKPOINT_INTERVAL, and refuses what PostgreSQL would not take", () => {
    expect(configFromEnv({ PGLITE_SHARED_BUFFERS: "32MB", PGLITE_CHECKPOINT_INTERVAL: "5s" }).pglite).toEqual({ sharedBuffers: "32MB", checkpointIntervalMs: 5_000 });
    expect(configFromEnv({}).pglite).toEqual({ sharedBuffers: undefined, checkpointIntervalMs: undefined });
    for (const bad of ["lots", "16", "16 MB", "0MB", "16mb"]) {
      expect(() => configFromEnv({ PGLITE_SHARED_BUFFERS: bad }), bad).toThrow(/memory size/);
    }
  });

  it("gives the in-memory database a small shared_buffers by default, and the configured one when set", async () => {
    const byDefault = await openDatabase({ dataDir: ":memory:" });
    const configured = await openDatabase({ dataDir: ":memory:", pglite: { sharedBuffers: "8MB" } });
    try {
      const setting = async (db: typeof byDefault.db) => (await sql<{ shared_buffers: string }>`show shared_buffers`.execute(db)).rows[0].shared_buffers;
      expect(await setting(byDefault.db)).toBe(DEFAULT_PGLITE_SETTINGS.sharedBuffers);
      expect(await setting(configured.db)).toBe("8MB");
    } finally {
      await byDefault.close();
      await configured.close();
    }
  });

  // PGlite's single-user PostgreSQL never checkpoints by itself: without ours the WAL (in memory here) only grows.
  it("keeps the in-memory WAL bounded by checkpointing", async () => {
    const { db, close } = await openDatabase({ dataDir: ":memory:", pglite: { checkpointIntervalMs: 50 } });
    try {
      const walMb = async () => Number((await sql<{ mb: string }>`select coalesce(sum(size), 0) / 1048576.0 as mb from pg_ls_waldir()`.execute(db)).rows[0].mb);
      await sql`create table filler (id int primary key, body text)`.execute(db);
      await sql`insert into filler select g, repeat(md5(g::text), 16) from generate_series(1, 60000) g`.execute(db);
      await sql`update filler set body = upper(body)`.execute(db);
      expect(await pollUntil(async () => (await walMb()) <= 20, 30_000), `WAL still ${await walMb()} MB`).toBe(true);
    } finally {
      await close();
    }
  });

  it("starts an empty database from the template instead of initdb, in memory and in a new directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pglite-template-"));
    // A template with a marker table, to tell a start from it apart from one through initdb.
    const marked = new PGlite({ initDbStartParams: ["--wal-segsize=1"] });
    await marked.exec("create table from_template (id int)");
    writeFileSync(join(dir, "marked.tar"), Buffer.from(await (await marked.dumpDataDir("none")).arrayBuffer()));
    await marked.close();
    const settings = { ...DEFAULT_PGLITE_SETTINGS, checkpointIntervalMs: 0 };
    for (const dataDir of [":memory:", join(dir, "data")]) {
      const { pglite } = await openPglite(dataDir, settings, join(dir, "marked.tar"));
      expect((await pglite.query("select to_regclass('from_template') is not null as found")).rows, dataDir).toEqual([{ found: true }]);
      await pglite.close();
    }
    // A directory that exists is opened as it is: its data stays, the template is not loaded over it.
    const reopened = await openPglite(join(dir, "data"), settings, join(dir, "missing.tar"));
    expect((await reopened.pglite.query("select to_regclass('from_template') is not null as found")).rows).toEqual([{ found: true }]);
    await reopened.pglite.close();
  });

  it("writes a template the server can start from, with 1 MB WAL segments", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "pglite-template-")), "template.tar");
    await writePgliteTemplate(file);
    const { pglite } = await openPglite(":memory:", { ...DEFAULT_PGLITE_SETTINGS, checkpointIntervalMs: 0 }, file);
    try {
      expect(await show(pglite, "wal_segment_size")).toBe("1MB");
      expect((await pglite.query("select count(*)::int as tables from pg_tables where schemaname = 'public'")).rows).toEqual([{ tables: 0 }]);
    } finally {
      await pglite.close();
    }
  });
});

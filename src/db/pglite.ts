import { existsSync, openAsBlob, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

/** How much memory the embedded PGlite may hold; defaults in the README's configuration table. */
export interface PgliteSettings {
  /** PGLITE_SHARED_BUFFERS: PostgreSQL's buffer cache inside the WASM heap, e.g. "16MB". */
  sharedBuffers: string;
  /** PGLITE_CHECKPOINT_INTERVAL: how often a CHECKPOINT lets PostgreSQL recycle its WAL; 0 = never. */
  checkpointIntervalMs: number;
}

export const DEFAULT_PGLITE_SETTINGS: PgliteSettings = { sharedBuffers: "16MB", checkpointIntervalMs: 30_000 };

/**
 * A freshly initialised data directory that `npm run build` writes next to the bundle (dist/), so a start
 * on an empty directory loads it instead of running initdb. PGlite's initdb runs a second PostgreSQL in
 * the same process and copies its whole 128 MB WASM heap, which made start-up the process's peak (~880 MB).
 */
export const TEMPLATE_FILE = "pglite-template.tar";
const bundledTemplate = new URL(`./${TEMPLATE_FILE}`, import.meta.url);

// 1 MB WAL segments (initdb's default is 16 MB): with :memory: every segment lives in the process.
const initDbStartParams = ["--wal-segsize=1"];

function startParams(settings: PgliteSettings, inMemory: boolean): string[] {
  const params = [...PGlite.defaultStartParams, "-c", `shared_buffers=${settings.sharedBuffers}`];
  // Few recycled segments after a checkpoint. Only for :memory:, always initialised here: a directory from
  // an older start may have 16 MB segments, and PostgreSQL refuses min_wal_size below two segments.
  if (inMemory) params.push("-c", "min_wal_size=2MB", "-c", "max_wal_size=16MB");
  return params;
}

// A Blob backed by the file: read once, by PGlite, rather than copied into memory twice first.
async function template(file: URL | string): Promise<Blob | undefined> {
  return existsSync(file) ? await openAsBlob(file) : undefined;
}

export interface OpenPglite {
  pglite: PGlite;
  /** Stops the checkpoints; closing PGlite itself is the caller's (kysely's destroy). */
  stop(): void;
}

/**
 * Opens PGlite on `dataDir` (":memory:" or a directory) with a bounded memory footprint: a small
 * shared_buffers (the data is already in memory or in the OS page cache), and periodic checkpoints —
 * PGlite runs PostgreSQL as a single-user backend, which never checkpoints by itself, so without them
 * the WAL (held in memory for ":memory:") grows with every write for the life of the process.
 */
export async function openPglite(dataDir: string, settings: PgliteSettings, templateFile: URL | string = bundledTemplate): Promise<OpenPglite> {
  const inMemory = dataDir === ":memory:";
  const fresh = inMemory || !existsSync(join(dataDir, "PG_VERSION"));
  const pglite = new PGlite({
    dataDir: inMemory ? undefined : dataDir,
    loadDataDir: fresh ? await template(templateFile) : undefined,
    initDbStartParams,
    startParams: startParams(settings, inMemory),
  });
  await pglite.waitReady;
  const checkpoint = () => void pglite.exec("checkpoint").catch(() => {}); // closed meanwhile: nothing left to bound
  const timer = settings.checkpointIntervalMs > 0 ? setInterval(checkpoint, settings.checkpointIntervalMs).unref() : undefined;
  return { pglite, stop: () => clearInterval(timer) };
}

/** Writes the template: a data directory as initdb leaves it, with our WAL segment size (atomically). */
export async function writePgliteTemplate(path: string): Promise<void> {
  const pglite = new PGlite({ initDbStartParams });
  await pglite.waitReady;
  const tar = await pglite.dumpDataDir("none");
  await pglite.close();
  const aside = `${path}.${process.pid}`;
  writeFileSync(aside, Buffer.from(await tar.arrayBuffer()));
  renameSync(aside, path);
}

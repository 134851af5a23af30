import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort, pollUntil } from "../faults/server-process.js";

const BIN = "/usr/lib/postgresql/15/bin";
const SLOT_PREFIX = "zl_test_replica_";
const HBA_LINE = "host replication all 127.0.0.1/32 trust";

/** A streaming replica of the shared PostgreSQL (DATABASE_URL's), made for one test and removed after it. */
export interface Replica {
  /** `databaseUrl` with host and port pointing at the replica. */
  urlFor(databaseUrl: string): string;
  /** Replay pauses (`pg_wal_replay_pause()`): WAL still arrives, nothing new becomes visible. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** recovery_min_apply_delay: each commit becomes visible on the replica this long after it committed. */
  setApplyDelay(ms: number): Promise<void>;
  /** Until the replica has replayed everything the primary had written when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): void;
  start(): void;
  destroy(): Promise<void>;
}

function asPostgres(command: string, args: string[], timeout = 120_000): void {
  const [file, argv] = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", join(BIN, command), ...args]] : [join(BIN, command), args];
  execFileSync(file, argv, { stdio: ["ignore", "ignore", "pipe"], timeout });
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Streaming replication from 127.0.0.1 must be allowed: Debian's default pg_hba.conf has no `replication`
 * line for TCP, so one is added (once) and the configuration reloaded — no restart; wal_level=replica and
 * max_wal_senders=10 are Debian's defaults.
 */
async function allowReplication(primaryUrl: string): Promise<void> {
  const [{ hba_file: hba }] = await query<{ hba_file: string }>(primaryUrl, "show hba_file");
  const lines = readFileSync(hba, "utf8").split("\n").map((l) => l.trim().replace(/\s+/g, " "));
  if (!lines.includes(HBA_LINE)) {
    appendFileSync(hba, `\n# streaming replicas made by the test suite (test/harness/replica.ts)\n${HBA_LINE}\n`);
    await query(primaryUrl, "select pg_reload_conf()");
  }
  // Slots of replicas whose test was killed would hold WAL on the shared server forever.
  await query(primaryUrl, `select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like '${SLOT_PREFIX}%' and not active`);
}

/** The binaries are where the shared PostgreSQL 15 runs; CI fails rather than skip without them. */
export function canMakeReplica(): boolean {
  if (existsSync(join(BIN, "pg_basebackup"))) return true;
  if (process.env.CI === "true") throw new Error(`${BIN}/pg_basebackup is missing: the read replica test needs PostgreSQL 15's server binaries`);
  console.warn("[replica] PostgreSQL 15's binaries are missing: skipping the read replica tests");
  return false;
}

export async function startReplica(databaseUrl: string): Promise<Replica> {
  const primary = new URL(databaseUrl);
  primary.pathname = "/postgres";
  const primaryUrl = primary.toString();
  await allowReplication(primaryUrl);
  const settings = await query<{ name: string; setting: string }>(
    primaryUrl,
    "select name, setting from pg_settings where name in ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')",
  );
  const dir = mkdtempSync(join(tmpdir(), "replica-"));
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), Number(execFileSync("id", ["-g", "postgres"]).toString().trim()));
  const data = join(dir, "data");
  const port = await freePort();
  const slot = `${SLOT_PREFIX}${randomBytes(4).toString("hex")}`;
  asPostgres("pg_basebackup", ["-h", primary.hostname, "-p", primary.port || "5432", "-U", primary.username || "postgres", "-D", data, "-R", "-X", "stream", "-C", "-S", slot, "-c", "fast"]);
  // Debian keeps the configuration outside the data directory, so the copy has none: a minimal one. A hot
  // standby needs these limits at least as high as the primary's.
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    "hot_standby = on",
    "fsync = off",
    "wal_receiver_status_interval = 1s",
    ...settings.map((s) => `${s.name} = ${s.setting}`),
    "include_if_exists = 'delay.conf'",
    "",
  ].join("\n");
  const write = (name: string, text: string) => asPostgresWrite(join(data, name), text);
  write("postgresql.conf", conf);
  write("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n");
  write("pg_ident.conf", "");
  const start = () => asPostgres("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "start"]);
  const stop = () => asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
  start();
  const replicaOf = (url: string) => {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(port);
    return u.toString();
  };
  const replicaAdmin = replicaOf(primaryUrl);
  const replica: Replica = {
    urlFor: replicaOf,
    async pauseReplay() {
      await query(replicaAdmin, "select pg_wal_replay_pause()");
    },
    async resumeReplay() {
      await query(replicaAdmin, "select pg_wal_replay_resume()");
    },
    async setApplyDelay(ms) {
      write("delay.conf", `recovery_min_apply_delay = '${ms}ms'\n`);
      await query(replicaAdmin, "select pg_reload_conf()");
    },
    async caughtUp(timeoutMs = 30_000) {
      const [{ lsn }] = await query<{ lsn: string }>(primaryUrl, "select pg_current_wal_lsn()::text as lsn");
      const ok = await pollUntil(async () => (await query<{ ok: boolean }>(replicaAdmin, `select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn as ok`))[0].ok, timeoutMs, 50);
      if (!ok) throw new Error(`the replica did not replay ${lsn} within ${timeoutMs} ms`);
    },
    stop,
    start,
    async destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
      // The primary's walsender notices the replica is gone a moment later; until then the slot is active.
      await pollUntil(async () => (await query(primaryUrl, `select 1 from pg_replication_slots where slot_name = '${slot}' and active`)).length === 0, 10_000, 100);
      await query(primaryUrl, `select pg_drop_replication_slot('${slot}') from pg_replication_slots where slot_name = '${slot}'`);
    },
  };
  try {
    await replica.caughtUp();
  } catch (error) {
    await replica.destroy();
    throw new Error(`${String(error)}\n${readLog(dir)}`);
  }
  return replica;
}

/** Files in the data directory belong to postgres (the server refuses others' files in some places). */
function asPostgresWrite(path: string, text: string): void {
  writeFileSync(path, text);
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres:postgres", path]);
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "log"), "utf8").slice(-3000);
  } catch {
    return "";
  }
}

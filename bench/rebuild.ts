import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface RebuildResult {
  events: number;
  streams: number;
  seconds: number;
  eventsPerSec: number;
  /** Peak resident set of the rebuilding process during the rebuild (with PGlite: the database too). */
  rssMb: number;
  /** CPU of the rebuilding process (with PGlite: the database too) per 1,000 events, ms. */
  cpuMsPer1kEvents: number;
  /** CPU of the PostgreSQL backends per 1,000 events, ms (absent with PGlite). */
  dbCpuMsPer1kEvents?: number;
}

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Times `rebuildProjections` over every read model in a child process: on PostgreSQL against the
 * events already in `databaseUrl`; without it on a fresh in-memory PGlite that the child first fills
 * with generated user streams (generation is not timed).
 */
export function runRebuild(options: { databaseUrl?: string; generate?: { users: number; eventsPerUser: number } }): Promise<RebuildResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/rebuild-worker.ts", JSON.stringify(options)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`rebuild worker exited with ${code}:\n${err}`));
      const { cpuMs, dbCpuMs, ...r } = JSON.parse(out.trim().split("\n").pop() as string) as Omit<RebuildResult, "eventsPerSec" | "cpuMsPer1kEvents" | "dbCpuMsPer1kEvents"> & { cpuMs: number; dbCpuMs?: number };
      const per1k = (ms: number) => Number(((ms / Math.max(1, r.events)) * 1000).toFixed(2));
      resolve({
        ...r,
        seconds: Number(r.seconds.toFixed(3)),
        eventsPerSec: Math.round(r.events / r.seconds),
        cpuMsPer1kEvents: per1k(cpuMs),
        ...(dbCpuMs === undefined ? {} : { dbCpuMsPer1kEvents: per1k(dbCpuMs) }),
      });
    });
  });
}

import { linkSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeDurably } from "../durable-file.js";

/** Another live process holds the data directory. */
export class DirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dir} is in use by process ${pid}; stop that process first (one process per PGlite directory)`);
    this.name = "DirLockedError";
  }
}

interface Holder {
  pid: number;
  /** The holder's start time (Linux /proc), so a recycled pid is not mistaken for the holder. */
  started?: string;
}

const LOCK_FILE = "process.lock";
const heldHere = new Set<string>();

/**
 * Takes the exclusive lock on a PGlite directory: a file with the holder's pid, created atomically (written
 * aside, then hard-linked into place, which fails if it exists). A lock whose holder is no longer running
 * (SIGKILL, power loss) is stale and taken over.
 */
export function acquireDirLock(dir: string): { release(): void } {
  const key = resolve(dir);
  if (heldHere.has(key)) throw new DirLockedError(key, process.pid);
  const path = join(key, LOCK_FILE);
  const me: Holder = { pid: process.pid, started: startTime(process.pid) };
  const aside = `${path}.${process.pid}`;
  writeDurably(aside, `${JSON.stringify(me)}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(aside, path);
        heldHere.add(key);
        let released = false;
        return {
          release() {
            if (released) return;
            released = true;
            heldHere.delete(key);
            if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = readHolder(path);
        if (holder && holder.pid !== process.pid && isRunning(holder)) throw new DirLockedError(key, holder.pid);
        rmSync(path, { force: true });
      }
    }
    throw new Error(`could not lock data directory ${key}: ${path} keeps reappearing`);
  } finally {
    rmSync(aside, { force: true });
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Holder;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? holder : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const started = startTime(holder.pid);
  return !(holder.started && started && started !== holder.started);
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot); undefined where there is no /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

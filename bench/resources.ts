import { readdirSync, readFileSync } from "node:fs";

// Linux /proc only; elsewhere every figure reads as 0 and the passes still run.
function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // the process has exited, or /proc is not there
  }
}

function statusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = read(`/proc/${pid}/status`).match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return match ? Number(match[1]) / 1024 : 0;
}

/** CPU time (user + system) a process has used so far, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = read(`/proc/${pid}/stat`).split(") ")[1]?.split(" ");
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : 0;
}

/** The process's peak resident set so far (VmHWM), in MB. */
export const peakRssMb = (pid: number) => Math.round(statusMb(pid, "VmHWM"));

/**
 * PostgreSQL backends serving one database, found by their process title
 * ("postgres: 15/main: postgres <database> 127.0.0.1(port) idle"). Titles are looked up once per pid.
 */
class Backends {
  private readonly titles = new Map<number, boolean>();
  /** CPU ms per backend when first and last seen. */
  private readonly cpu = new Map<number, { first: number; last: number; banked: number }>();

  constructor(private readonly database: string) {}

  sample(): void {
    for (const entry of readdirSync("/proc")) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      let ours = this.titles.get(pid);
      if (ours === undefined) {
        ours = read(`/proc/${pid}/cmdline`).replaceAll("\0", " ").includes(` ${this.database} `);
        this.titles.set(pid, ours);
      }
      if (!ours) continue;
      const now = cpuMs(pid);
      const seen = this.cpu.get(pid);
      // A backend born during the pass counts from 0; one that ends loses at most one sampling interval.
      // A pid whose CPU went backwards is a new backend under a reused pid: bank the old one's, count anew.
      if (seen && now < seen.last) {
        seen.banked += seen.last - seen.first;
        seen.first = 0;
        seen.last = now;
      } else if (seen) seen.last = now;
      else this.cpu.set(pid, { first: this.sampled ? 0 : now, last: now, banked: 0 });
    }
    this.sampled = true;
  }
  private sampled = false;

  totalMs(): number {
    return [...this.cpu.values()].reduce((sum, c) => sum + c.banked + c.last - c.first, 0);
  }
}

export interface Usage<T> {
  result: T;
  /** Peak VmRSS of the server process during the work, MB. */
  rssMb?: number;
  /** CPU of the server process during the work, ms. */
  cpuMs?: number;
  /** CPU of the database's PostgreSQL backends during the work, ms. */
  dbCpuMs?: number;
}

/**
 * Runs `work` while sampling the server process's resident set (its peak; VmHWM cannot be reset per
 * workload) and the CPU used by the server and by the PostgreSQL backends of `database`. CPU per
 * operation does not depend on how busy the machine is, which throughput does.
 */
export async function withUsage<T>(watch: { pid?: number | number[]; database?: string }, work: () => Promise<T>): Promise<Usage<T>> {
  const pids = watch.pid === undefined ? [] : [watch.pid].flat();
  const backends = watch.database ? new Backends(watch.database) : undefined;
  // Several servers (instances on one database): CPU adds up, the peak is the largest one's.
  const rss = () => Math.max(0, ...pids.map((pid) => statusMb(pid, "VmRSS")));
  const cpu = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  let peak = rss();
  const cpuBefore = cpu();
  backends?.sample();
  let ticks = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rss());
    if (backends && ++ticks % 5 === 0) backends.sample();
  }, 20);
  try {
    const result = await work();
    backends?.sample();
    if (pids.length === 0) return { result, dbCpuMs: backends?.totalMs() };
    peak = Math.max(peak, rss());
    return { result, rssMb: Math.round(peak), cpuMs: cpu() - cpuBefore, dbCpuMs: backends?.totalMs() };
  } finally {
    clearInterval(timer);
  }
}

import { readFileSync } from "node:fs";

function statusField(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0; // the process has exited, or /proc is not there (not Linux)
  }
}

/** The process's peak resident set so far (VmHWM), in MB. */
export const peakRssMb = (pid: number) => Math.round(statusField(pid, "VmHWM"));

/**
 * Samples a process's resident set (VmRSS) while `work` runs and returns its peak in MB. VmHWM alone
 * cannot be reset per workload, so each workload samples; 20 ms is short next to a GC cycle.
 */
export async function withPeakRss<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; rssMb?: number }> {
  if (pid === undefined) return { result: await work() };
  let peak = statusField(pid, "VmRSS");
  const timer = setInterval(() => {
    peak = Math.max(peak, statusField(pid, "VmRSS"));
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, statusField(pid, "VmRSS"));
    return { result, rssMb: Math.round(peak) };
  } finally {
    clearInterval(timer);
  }
}

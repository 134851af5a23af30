import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RebuildResult } from "./rebuild.js";
import type { PassResult } from "./stats.js";

export type DatabaseKind = "postgres" | "pglite";

export interface Sizes {
  users: number;
  concurrency: number;
  readOps: number;
  /** Users that ListUsers pages over (PostgreSQL: topped up with generated streams). */
  listUsers: number;
  listOps: number;
  rebuildEvents: number;
  /** Length of the open-loop pass at half the peak rate (it uses as many users as fill it). */
  pacedSeconds: number;
  /** PostgreSQL: users given a long history, and as many fresh ones to compare (default min(users, 1,000)). */
  historyUsers?: number;
  /** PostgreSQL: events of each long history (default 1,000). */
  historyEvents?: number;
}

/** One measured pass; `skipped` instead of figures when the workload could not run. */
export interface Row {
  database: DatabaseKind;
  workload: string;
  variant: string;
  result?: PassResult;
  /** Peak resident set of the server process during this pass, MB. */
  serverRssMb?: number;
  /** CPU time of the server process per operation during this pass, ms (10 ms clock ticks: coarse on short passes). */
  serverCpuMsPerOp?: number;
  /** CPU time of the benchmark process (clients; for the baselines also their whole work) per operation, ms. */
  clientCpuMsPerOp?: number;
  /** CPU time of the PostgreSQL backends serving the scratch database per operation, ms. */
  dbCpuMsPerOp?: number;
  note?: string;
  skipped?: string;
}

export interface Check {
  name: string;
  value: number;
  goal: string;
  pass: boolean;
}

export interface BenchResults {
  version: 1;
  mode: "quick" | "full";
  startedAt: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  sizes: Partial<Record<DatabaseKind, Sizes>>;
  rows: Row[];
  rebuild: (RebuildResult & { database: DatabaseKind })[];
  ratios: { database: DatabaseKind; name: string; value: number }[];
  /** VmHWM of the server process over its whole run, MB. */
  serverPeakRssMb: Partial<Record<DatabaseKind, number>>;
  checks: Check[];
  notes: string[];
}

const fmt = (n: number | undefined) => (n === undefined ? "" : Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(2));

function rowCells(row: Row): string[] {
  const r = row.result;
  if (!r) return [row.database, row.workload, row.variant, `skipped: ${row.skipped}`, "", "", "", "", "", "", "", "", "", ""];
  return [row.database, row.workload, row.variant, fmt(r.ops), fmt(r.opsPerSec), fmt(r.p50), fmt(r.p95), fmt(r.p99), fmt(r.max), fmt(r.errors), fmt(row.serverCpuMsPerOp), fmt(row.clientCpuMsPerOp), fmt(row.dbCpuMsPerOp), fmt(row.serverRssMb)];
}

const header = ["db", "workload", "variant", "ops", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "server CPU ms/op", "bench CPU ms/op", "db CPU ms/op", "server RSS MB"];

const rebuildCpu = (r: RebuildResult) => `CPU per 1,000 events ${r.cpuMsPer1kEvents} ms process${r.dbCpuMsPer1kEvents === undefined ? "" : ` · ${r.dbCpuMsPer1kEvents} ms database`}`;

/** A plain-text table for the terminal. */
export function textTable(results: BenchResults): string {
  const lines = [header, ...results.rows.map(rowCells)];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const out = lines.map((l) => l.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  out.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of results.rebuild) out.push(`${r.database} rebuild: ${fmt(r.events)} events in ${fmt(r.streams)} streams, ${r.seconds} s = ${fmt(r.eventsPerSec)} events/s, ${rebuildCpu(r)}, rebuild process RSS ${r.rssMb} MB`);
  for (const r of results.ratios) out.push(`${r.database} ${r.name}: ${r.value.toFixed(2)}`);
  for (const [db, mb] of Object.entries(results.serverPeakRssMb)) out.push(`${db} server peak RSS (VmHWM): ${mb} MB`);
  for (const c of results.checks) out.push(`${c.pass ? "PASS" : "MISS"} ${c.name}: ${fmt(c.value)} (goal ${c.goal})`);
  out.push(...results.notes);
  return out.join("\n");
}

/** The short markdown summary kept beside latest.json. */
export function markdown(results: BenchResults): string {
  const m = results.machine;
  const md = [
    `# Benchmark (${results.mode} mode, ${results.startedAt})`,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.postgres ?? "no PostgreSQL"}; 1-min load average ${m.loadAverageAtStart} at start, ${m.loadAverageAtEnd} at end. Total ${results.durationSeconds} s.`,
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i < 3 ? "---" : "---:")).join(" | ")} |`,
    ...results.rows.map((row) => `| ${rowCells(row).join(" | ")} |`),
    "",
    ...results.rebuild.map((r) => `- ${r.database} rebuild: ${fmt(r.events)} events (${fmt(r.streams)} streams) in ${r.seconds} s = **${fmt(r.eventsPerSec)} events/s**, ${rebuildCpu(r)}; rebuild process RSS ${r.rssMb} MB`),
    ...results.ratios.map((r) => `- ${r.database} ${r.name}: **${r.value.toFixed(2)}**`),
    ...Object.entries(results.serverPeakRssMb).map(([db, mb]) => `- ${db} server peak RSS (VmHWM): ${mb} MB`),
    "",
    ...(results.checks.length ? ["| target | value | goal | |", "| --- | ---: | --- | --- |"] : []),
    ...results.checks.map((c) => `| ${c.name} | ${fmt(c.value)} | ${c.goal} | ${c.pass ? "pass" : "**miss**"} |`),
    "",
    ...results.notes.map((n) => `- ${n}`),
    "",
    `Sizes: \`${JSON.stringify(results.sizes)}\``,
    "",
  ];
  return md.join("\n");
}

/** Writes latest.json and latest.md (each through a temporary file, so a reader never sees half of one). */
export function writeResults(results: BenchResults, dir: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "latest.json");
  const md = join(dir, "latest.md");
  writeFileSync(`${json}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${json}.tmp`, json);
  writeFileSync(`${md}.tmp`, markdown(results));
  renameSync(`${md}.tmp`, md);
  return { json, md };
}

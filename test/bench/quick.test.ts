import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "../../bench/bench.js";
import { type BenchResults, type Sizes, writeResults } from "../../bench/report.js";

// The benchmark's code paths at toy sizes, so it cannot rot. Speed is not judged here (CI machines vary);
// what is checked is that every workload ran, measured something and reported it in the documented shape.
const tiny: Sizes = { users: 12, concurrency: 4, readOps: 24, listUsers: 200, listOps: 4, rebuildEvents: 2_000, pacedSeconds: 1 };
const databaseUrl = process.env.DATABASE_URL || undefined;
const out = mkdtempSync(join(tmpdir(), "bench-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("npm run bench --quick", () => {
  let results: BenchResults;

  it("runs every workload and writes latest.json and latest.md", { timeout: 240_000 }, async () => {
    results = await runBench({ mode: "quick", databaseUrl, sizes: { pglite: tiny, ...(databaseUrl ? { postgres: tiny } : {}) } });
    const written = writeResults(results, out);
    const json = JSON.parse(readFileSync(written.json, "utf8")) as BenchResults;
    expect(json).toEqual(JSON.parse(JSON.stringify(results)));
    expect(Object.keys(json).sort()).toEqual(
      ["version", "mode", "startedAt", "durationSeconds", "machine", "sizes", "rows", "rebuild", "ratios", "serverPeakRssMb", "checks", "notes"].sort(),
    );
    expect(json.version).toBe(1);
    expect(json.machine.cpus).toBeGreaterThan(0);
    expect(readFileSync(written.md, "utf8")).toContain("| db | workload | variant |");
  });

  it.each(databaseUrl ? (["pglite", "postgres"] as const) : (["pglite"] as const))("%s: every pass measured operations without errors", (database) => {
    const rows = results.rows.filter((r) => r.database === database);
    const measured = rows.filter((r) => r.result).map((r) => `${r.workload} / ${r.variant.replace(/ \(.*\)$/, "")}`);
    const expected = ["seed / AddHumanUser grpc", "lifecycle / grpc", "lifecycle / connect-json", "lifecycle / rest", "no-op Health/Check / grpc", "no-op Health/Check / connect-json", "read / GetUserByID grpc"];
    expected.push("read / ListUsers first page grpc", "read / ListUsers spread pages grpc");
    if (database === "postgres") {
      expected.push("baseline: limit / pg, 5 statements", "baseline: peer / Emmett in-process", "lifecycle / grpc at 50%");
      expected.push("lifecycle / grpc, fresh users", "lifecycle / grpc, users with 1000 prior events", "lifecycle / grpc, two servers on one database");
    }
    expect(measured).toEqual(expect.arrayContaining(expected));
    for (const row of rows) {
      if (!row.result) {
        expect(row.skipped).toBe("not implemented");
        continue;
      }
      expect(row.result.errors, `${row.workload} ${row.variant}: ${row.result.firstError}`).toBe(0);
      expect(row.result.ops).toBeGreaterThan(0);
      expect(row.result.opsPerSec).toBeGreaterThan(0);
      expect(row.result.p50).toBeGreaterThan(0);
      expect(row.result.p99).toBeGreaterThanOrEqual(row.result.p50);
    }
    // Lifecycle: 4 commands per seeded user; service passes report the server's memory.
    expect(rows.find((r) => r.workload === "lifecycle" && r.variant === "grpc")?.result?.ops).toBe(4 * tiny.users);
    expect(rows.filter((r) => !r.workload.startsWith("baseline") && r.result).every((r) => (r.serverRssMb ?? 0) > 0)).toBe(true);
    expect(results.serverPeakRssMb[database]).toBeGreaterThan(0);
    const grpcPass = rows.find((r) => r.workload === "lifecycle" && r.variant === "grpc");
    expect(grpcPass?.serverCpuMsPerOp).toBeGreaterThanOrEqual(0);
    expect(grpcPass?.clientCpuMsPerOp).toBeGreaterThan(0);
    if (database === "postgres") expect(grpcPass?.dbCpuMsPerOp).toBeGreaterThanOrEqual(0);

    const rebuild = results.rebuild.find((r) => r.database === database);
    expect(rebuild?.events).toBeGreaterThanOrEqual(database === "postgres" ? tiny.rebuildEvents : 1);
    expect(rebuild?.streams).toBeGreaterThan(0);
    expect(rebuild?.eventsPerSec).toBeGreaterThan(0);
  });

  it.runIf(databaseUrl)("postgres: ratios against the limit and the peer, and the targets, are reported", () => {
    const names = results.ratios.filter((r) => r.database === "postgres").map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["ours(grpc)/limit", "ours(grpc)/peer", "ours(grpc)/no-op(grpc)"]));
    for (const r of results.ratios) expect(r.value).toBeGreaterThan(0);
    // A toy-sized pass can use less database CPU than the clock's tick: a ratio over 0 is not reported.
    const limitRow = results.rows.find((r) => r.database === "postgres" && r.workload === "baseline: limit");
    const dbCpuCheck = (limitRow?.dbCpuMsPerOp ?? 0) > 0 ? ["db CPU per lifecycle command ÷ the 5-statement limit's"] : [];
    expect(results.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        ...dbCpuCheck,
        "lifecycle gRPC ÷ no-op gRPC (ops/s)",
        "ListUsers first page ÷ GetUserByID (ops/s)",
        "ListUsers first page p99 ms",
        "lifecycle gRPC ÷ Emmett in-process (ops/s)",
        "lifecycle on users with 1000 prior events ÷ on fresh users (ops/s)",
        "p99 ÷ p50 at 50 % of peak rate (gRPC)",
        "rebuild events/s ÷ limit ops/s",
        "server peak RSS MB (postgres)",
      ]),
    );
  });
});

import type { BenchResults, Check, DatabaseKind, Row } from "./report.js";

// The performance targets, as ratios to rows of the same run (absolute figures vary ~2× between machines).

const find = (results: BenchResults, database: DatabaseKind, workload: string, variant: string | RegExp): Row | undefined =>
  results.rows.find((r) => r.database === database && r.workload === workload && r.result && (typeof variant === "string" ? r.variant === variant : variant.test(r.variant)));

type Goal = { op: ">=" | "<=" | "<"; bound: number };

function check(name: string, value: number | undefined, goal: Goal): Check | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const pass = goal.op === ">=" ? value >= goal.bound : goal.op === "<=" ? value <= goal.bound : value < goal.bound;
  return { name, value: Number(value.toFixed(goal.bound >= 100 ? 0 : 2)), goal: `${goal.op} ${goal.bound}`, pass };
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);

/** Every performance target that this run measured, with its value and whether it is hit. */
export function issueTargets(results: BenchResults): Check[] {
  const pg = "postgres" as const;
  const ops = (row: Row | undefined) => row?.result?.opsPerSec;
  const lifecycle = find(results, pg, "lifecycle", "grpc");
  const noop = find(results, pg, "no-op Health/Check", "grpc");
  const limit = find(results, pg, "baseline: limit", "pg, 5 statements");
  const peer = find(results, pg, "baseline: peer", "Emmett in-process");
  const fresh = find(results, pg, "lifecycle", "grpc, fresh users");
  const long = find(results, pg, "lifecycle", /^grpc, users with \d+ prior events$/);
  const byId = find(results, pg, "read", "GetUserByID grpc");
  const list = find(results, pg, "read", /^ListUsers first page grpc/);
  const paced = find(results, pg, "lifecycle", /^grpc at 50%/);
  const rebuild = results.rebuild.find((r) => r.database === pg);
  const checks = [
    check("lifecycle gRPC ÷ no-op gRPC (ops/s)", ratio(ops(lifecycle), ops(noop)), { op: ">=", bound: 0.8 }),
    check("lifecycle gRPC ÷ Emmett in-process (ops/s)", ratio(ops(lifecycle), ops(peer)), { op: ">=", bound: 1.2 }),
    check("db CPU per lifecycle command ÷ the 5-statement limit's", ratio(lifecycle?.dbCpuMsPerOp, limit?.dbCpuMsPerOp), { op: "<=", bound: 0.85 }),
    check("server CPU per lifecycle command ÷ the no-op's", ratio(lifecycle?.serverCpuMsPerOp, noop?.serverCpuMsPerOp), { op: "<=", bound: 1.3 }),
    check(`lifecycle on users with ${long?.variant.match(/\d+/)?.[0] ?? "1000"} prior events ÷ on fresh users (ops/s)`, ratio(ops(long), ops(fresh)), { op: ">=", bound: 0.9 }),
    check("… the same by db CPU per command (fresh ÷ long)", ratio(fresh?.dbCpuMsPerOp, long?.dbCpuMsPerOp), { op: ">=", bound: 0.9 }),
    check("GetUserByID ÷ no-op gRPC (ops/s)", ratio(ops(byId), ops(noop)), { op: ">=", bound: 0.8 }),
    check("ListUsers first page ÷ GetUserByID (ops/s)", ratio(ops(list), ops(byId)), { op: ">=", bound: 0.25 }),
    check("ListUsers first page p99 ms", list?.result?.p99, { op: "<", bound: 50 }),
    check("REST lifecycle ÷ gRPC (ops/s)", ratio(ops(find(results, pg, "lifecycle", "rest")), ops(lifecycle)), { op: ">=", bound: 0.9 }),
    check("Connect JSON lifecycle ÷ gRPC (ops/s)", ratio(ops(find(results, pg, "lifecycle", "connect-json")), ops(lifecycle)), { op: ">=", bound: 0.9 }),
    check("p99 ÷ p50 at 50 % of peak rate (gRPC)", ratio(paced?.result?.p99, paced?.result?.p50), { op: "<=", bound: 4 }),
    check("rebuild events/s ÷ limit ops/s", ratio(rebuild?.eventsPerSec, ops(limit)), { op: ">=", bound: 100 }),
    check("server peak RSS MB (postgres)", results.serverPeakRssMb.postgres, { op: "<", bound: 150 }),
    check("server peak RSS MB (pglite)", results.serverPeakRssMb.pglite, { op: "<", bound: 400 }),
  ];
  return checks.filter((c): c is Check => c !== undefined);
}

// `npm run bench [-- --quick] [--only postgres|pglite] [--users N] [--concurrency N] [--read-ops N]
//   [--list-users N] [--list-ops N] [--rebuild-events N] [--profile] [--out DIR]`
// PostgreSQL workloads run when DATABASE_URL is set (on a scratch database created next to it).
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type BenchOptions, defaultSizes, runBench } from "./bench.js";
import { summarizePath } from "./profile.js";
import { textTable, writeResults, type DatabaseKind, type Sizes } from "./report.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    users: { type: "string" },
    concurrency: { type: "string" },
    "read-ops": { type: "string" },
    "list-users": { type: "string" },
    "list-ops": { type: "string" },
    "rebuild-events": { type: "string" },
    profile: { type: "boolean", default: false },
    out: { type: "string", default: fileURLToPath(new URL("results", import.meta.url)) },
  },
});

const mode = values.quick ? "quick" : "full";
const overrides: Partial<Sizes> = Object.fromEntries(
  (
    [
      ["users", "users"],
      ["concurrency", "concurrency"],
      ["readOps", "read-ops"],
      ["listUsers", "list-users"],
      ["listOps", "list-ops"],
      ["rebuildEvents", "rebuild-events"],
    ] as const
  )
    .filter(([, flag]) => values[flag] !== undefined)
    .map(([key, flag]) => [key, Number(values[flag])]),
);
const sizes: BenchOptions["sizes"] = {};
for (const kind of ["postgres", "pglite"] as DatabaseKind[]) {
  if (!values.only || values.only === kind) sizes[kind] = { ...defaultSizes[mode][kind], ...overrides };
}

const profileDir = values.profile ? `${values.out}/profiles` : undefined;
if (profileDir) rmSync(profileDir, { recursive: true, force: true });
const started = Date.now();
const results = await runBench({
  mode,
  databaseUrl: process.env.DATABASE_URL || undefined,
  sizes,
  cpuProfileDir: profileDir,
  log: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`),
});
console.log(textTable(results));
const written = writeResults(results, values.out as string);
console.log(`\nwrote ${written.json} and ${written.md}`);
if (profileDir) console.log(`\nserver CPU profiles (${profileDir}):\n${summarizePath(profileDir)}`);

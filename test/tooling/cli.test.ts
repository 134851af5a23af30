import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { formatProgress } from "../../src/cli/progress.js";
import { databaseKinds } from "../harness/databases.js";
import { describeOnDatabases } from "../harness/on-databases.js";

const root = new URL("../../", import.meta.url).pathname;
const execFileAsync = promisify(execFile);

/** Runs a CLI as `npm run` does (tsx), with a pipe for output; never throws. */
async function cli(file: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ["--import", "tsx", `src/cli/${file}`, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) };
  }
}

const clis = [
  { file: "rebuild-projections.ts", bad: [["--bogus"]] },
  { file: "api-key.ts", bad: [["frobnicate", "x"], ["add", "name", "--org"], ["revoke", "k", "--org", "o"]] },
  { file: "openapi.ts", bad: [["--bogus"]] },
  { file: "admin-recover.ts", bad: [["--bogus"], ["extra"]] },
];

describe("every CLI: --help exits 0, bad usage exits 2, both before touching a database", () => {
  // DATA_DIR under a regular file cannot be created: a CLI that reached the database would exit 1, not 0 or 2.
  const env = { DATABASE_URL: "", DATA_DIR: `${root}package.json/data` };
  it.each(clis)("$file", async ({ file, bad }) => {
    const helps = await Promise.all(["--help"].map((flag) => cli(file, [flag], env)));
    for (const help of helps) {
      expect(help).toMatchObject({ code: 0, stderr: "" });
      expect(help.stdout).toMatch(/^usage: npm run /);
    }
    const results = await Promise.all(bad.map((args) => cli(file, args, env)));
    results.forEach((result, i) => {
      expect(result.code, bad[i].join(" ")).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("usage: npm run ");
    });
  });
});

describe("progress formatting", () => {
  it("gives rate, percentage and ETA", () => {
    expect(formatProgress({ events: 40_000, total: 100_000, elapsedMs: 4_000 })).toBe("40,000 / 100,000 events (40%) · 10,000 events/s · ETA 6 s");
    expect(formatProgress({ events: 20_000, total: 1_000_000, elapsedMs: 10_000 })).toBe("20,000 / 1,000,000 events (2%) · 2,000 events/s · ETA 8 min 10 s");
    expect(formatProgress({ events: 0, total: 0, elapsedMs: 0 })).toBe("0 / 0 events (100%) · 0 events/s · ETA 0 s");
  });
});

// The rebuild needs a database the CLI can open while the server runs: PostgreSQL.
describeOnDatabases("npm run projections:rebuild output", { kinds: databaseKinds.filter((kind) => kind === "postgres"), orgs: 0 }, ({ server }) => {

  it("without a terminal: only the summary line on stdout, nothing on stderr", async () => {
    const result = await cli("rebuild-projections.ts", [], { DATABASE_URL: server.databaseUrl! });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(result.stdout).toMatch(/^rebuilt \d+ read models from \d+ events in \d+ streams in [\d.]+ s \(\d+ events\/s\)\n$/);
  });

  it("on a terminal: a progress line with events/s and ETA, then the summary", async () => {
    // script(1) gives the CLI a pseudo-terminal, as an operator's shell would
    const command = `${process.execPath} --import tsx src/cli/rebuild-projections.ts`;
    const { stdout } = await execFileAsync("script", ["-qec", command, "/dev/null"], { cwd: root, env: { ...process.env, DATABASE_URL: server.databaseUrl! }, timeout: 60_000 });
    expect(stdout).toMatch(/\r\x1b\[2K\d+ \/ \d+ events \(100%\) · [\d,]+ events\/s · ETA 0 s/);
    expect(stdout).toMatch(/rebuilt \d+ read models from \d+ events/);
  });
});

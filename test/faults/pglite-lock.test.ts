import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startServerProcess } from "./server-process.js";

const run = promisify(execFile);

describe("one process per PGlite directory", () => {
  it("refuses a second server and the rebuild CLI with a one-line error naming the directory and the holder; a SIGKILLed holder's lock is stale", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "zl-lock-"));
    const env = { DATA_DIR: dataDir, ADMIN_TOKEN: "lock-admin-token-0123456789" };
    // A lock left by a process that no longer runs does not block the first start.
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(dataDir, "process.lock"), `${JSON.stringify({ pid: gone })}\n`);
    const first = await startServerProcess(env);
    const holder = first.child.pid as number;
    try {
      const rebuild = await run(process.execPath, ["--import", "tsx", "src/cli/rebuild-projections.ts"], { env: { ...process.env, ...env, DATABASE_URL: "" } }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(rebuild.code).toBe(1);
      expect(rebuild.stderr.trim().split("\n")).toHaveLength(1);
      expect(rebuild.stderr).toContain(dataDir);
      expect(rebuild.stderr).toContain(`process ${holder}`);

      const second = await startServerProcess(env, { waitHealthy: false });
      const { code } = await second.exited;
      expect(code).toBe(1);
      const line = second.lines().at(-1);
      expect(line).toMatchObject({ message: "startup failed" });
      expect(String(line?.cause)).toContain(dataDir);
      expect(String(line?.cause)).toContain(`process ${holder}`);

      // The first server never noticed.
      expect(first.ended()).toBeUndefined();
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      first.child.kill("SIGKILL");
      await first.exited;
    }
    // SIGKILL left the lock file behind; the next start takes it over.
    const again = await startServerProcess(env);
    await again.stop();
    expect(again.ended()?.code).toBe(0);
  });
});

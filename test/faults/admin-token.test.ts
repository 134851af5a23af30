import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import type { Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startApp } from "../../src/server/app.js";
import { Clients } from "../harness/clients.js";
import { createScratchDatabase } from "../harness/databases.js";

const log = createLogger("silent");
const base = { port: 0, host: "127.0.0.1", maxRequestBytes: 1 << 20, logLevel: "silent" as const };

async function tokenWorks(url: string, token: string): Promise<boolean> {
  const clients = new Clients(url);
  const res = await clients.call("connect-json", ManagementService, "getMyOrg", {}, token);
  clients.close();
  return res.ok;
}

describe("the first admin token", () => {
  it("is on disk before the bootstrap commits: a start that cannot write it sets nothing up, the next one does", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "zl-pat-"));
    const config: Config = { ...base, dataDir };
    // admin.pat cannot be written (a directory is in the way): the start fails...
    mkdirSync(join(dataDir, "admin.pat"));
    await expect(startApp(config, { log })).rejects.toThrow();
    // ...without creating an admin whose token is nowhere.
    rmdirSync(join(dataDir, "admin.pat"));
    const app = await startApp(config, { log });
    try {
      expect(app.adminToken).toBeDefined();
      const token = readFileSync(join(dataDir, "admin.pat"), "utf8").trim();
      expect(token).toBe(app.adminToken);
      expect(statSync(join(dataDir, "admin.pat")).mode & 0o777).toBe(0o600);
      expect(await tokenWorks(app.url, token)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it.runIf(process.env.DATABASE_URL)("is kept only by the instance that won a concurrent first start; a shared directory's file works", async () => {
    const scratch = await createScratchDatabase();
    const dirs = [1, 2, 3].map(() => mkdtempSync(join(tmpdir(), "zl-race-")));
    const shared = mkdtempSync(join(tmpdir(), "zl-shared-"));
    const configs: Config[] = [...dirs, shared, shared].map((dataDir) => ({ ...base, dataDir, databaseUrl: scratch.url }));
    const apps = await Promise.all(configs.map((config) => startApp(config, { log })));
    try {
      expect(apps.filter((a) => a.adminToken)).toHaveLength(1);
      const files = [...dirs, shared].filter((d) => existsSync(join(d, "admin.pat")));
      expect(files.length).toBeGreaterThanOrEqual(1);
      // Every file left behind holds a token that works; no process holds one that does not.
      for (const dir of files) expect(await tokenWorks(apps[0].url, readFileSync(join(dir, "admin.pat"), "utf8").trim())).toBe(true);
      const winner = apps.find((a) => a.adminToken)!;
      expect(await tokenWorks(apps[1].url, winner.adminToken!)).toBe(true);
    } finally {
      for (const app of apps) await app.close();
      await scratch.drop();
    }
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { openDatabase } from "../../src/db/database.js";
import { Clients, expectOk } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { type Ack, checkConsistency, newFigures, runLoad, seedUsers } from "./load.js";
import { pollUntil, startServerProcess } from "./server-process.js";

const TOKEN = "sigkill-admin-token-0123456789";

// PostgreSQL, and PGlite backed by files (the embedded default): an in-memory PGlite has nothing to recover.
describe.each(databaseKinds)("SIGKILL under write load, then restart, on %s", (kind) => {
  it("keeps every acknowledged command: no gap, no duplicate, read models equal a rebuild", async () => {
    const scratch = kind === "postgres" ? await createScratchDatabase() : undefined;
    const dataDir = scratch ? ":memory:" : mkdtempSync(join(tmpdir(), "zl-kill-"));
    const env: Record<string, string> = scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: dataDir };
    const figures = newFigures();
    const acks: Ack[] = [];
    try {
      const server = await startServerProcess({ ...env, ADMIN_TOKEN: TOKEN });
      const userIds = await seedUsers(new Clients(server.url), TOKEN, 6);
      let killedAt: number | undefined;
      const load = runLoad({ url: server.url, token: TOKEN, userIds, total: 300, figures, acks, stop: () => killedAt !== undefined, guardMs: 30_000, killedAt: () => killedAt });
      expect(await pollUntil(() => figures.acknowledged >= 60, 90_000, 10)).toBe(true);
      killedAt = Date.now();
      server.child.kill("SIGKILL");
      await server.exited;
      await load;

      const restarted = await startServerProcess({ ...env, ADMIN_TOKEN: TOKEN });
      const clients = new Clients(restarted.url);
      expectOk(await clients.call("grpc", UserService, "getUserByID", { userId: userIds[0] }, TOKEN));
      clients.close();
      await restarted.stop();
      expect(restarted.ended()?.code).toBe(0);

      const database = await openDatabase({ databaseUrl: scratch?.url, dataDir });
      try {
        const result = await checkConsistency(database.db, acks);
        console.log(
          `[faults] SIGKILL on ${kind}: ${figures.acknowledged} acknowledged before/at the kill, ${figures.network + figures.unavailable} cut off, ` +
            `${result.lost} lost, ${result.duplicates} duplicates, ${result.gaps} gaps, ${result.readModelDiffs} read-model differences, ${figures.serverErrors} 5xx`,
        );
        expect(result).toEqual({ lost: 0, duplicates: 0, gaps: 0, readModelDiffs: 0 });
        expect(figures.serverErrors).toBe(0);
        expect(figures.hung).toBe(0);
      } finally {
        await database.close();
      }
    } finally {
      await scratch?.drop();
    }
  });
});

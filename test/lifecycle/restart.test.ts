import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { LifecyclePolicyService } from "../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import type { Config } from "../../src/config.js";
import { Clients, expectOk } from "../harness/clients.js";
import { createScratchDatabase, databaseKinds } from "../harness/databases.js";
import { newHuman, newOrg } from "../harness/fixtures.js";
import { startTestServer } from "../harness/server.js";
import { manualClock } from "../harness/on-databases.js";
import { DAY, deactivatedIds, eventsOf, MINUTE, setOrgPolicy } from "./helpers.js";

const ADMIN_TOKEN = "lifecycle-restart-admin-token-0123456789";

/** A database that outlives one server: a file-backed PGlite directory or a scratch PostgreSQL database. */
async function durableDatabase(kind: "pglite" | "postgres") {
  if (kind === "postgres") {
    const scratch = await createScratchDatabase();
    return { config: { databaseUrl: scratch.url } as Partial<Config>, drop: scratch.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), "lifecycle-restart-"));
  return { config: { dataDir: dir } as Partial<Config>, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each(databaseKinds)("lifecycle scheduler across restarts on %s", (kind) => {
  it("does what fell due while no server ran at the next pass after the restart, once, and reports the lag", async () => {
    const clock = manualClock(new Date("2031-06-01T09:00:00Z"));
    const database = await durableDatabase(kind);
    const config = { ...database.config, adminToken: ADMIN_TOKEN, lifecycle: { intervalMs: 0 } };
    let server = await startTestServer(kind, { now: clock.now }, config);
    let clients = new Clients(server.url);
    try {
      const org = await newOrg(clients, ADMIN_TOKEN);
      const [scheduled, idle] = [await newHuman(clients, ADMIN_TOKEN, org), await newHuman(clients, ADMIN_TOKEN, org)];
      const due = timestampFromDate(new Date(clock.now().getTime() + 60 * MINUTE));
      const { scheduleId } = expectOk(await clients.call("connect-json", LifecyclePolicyService, "scheduleDeactivation", { userId: scheduled, deactivateAt: due }, ADMIN_TOKEN));
      const { policyId } = await setOrgPolicy(clients, ADMIN_TOKEN, org, 1);
      clients.close();
      await server.stop();

      clock.advance(3 * DAY);
      server = await startTestServer(kind, { now: clock.now }, config);
      clients = new Clients(server.url);
      const pass = await server.app.lifecycle.tick();
      expect(pass.done).toMatchObject({ schedule_deactivate: 1, inactivity: 1 });
      expect((await server.app.lifecycle.tick()).done).toMatchObject({ schedule_deactivate: 0, inactivity: 0 });
      const reasons = (await eventsOf(server.app.database.db, [scheduled, idle])).filter((e) => e.type === "user.deactivated").map((e) => [e.aggregate_id, e.payload]);
      expect(reasons).toEqual(expect.arrayContaining([[scheduled, { scheduleId }], [idle, { policyId }]]));
      expect(reasons).toHaveLength(2);

      const metrics = await (await fetch(new URL("/metrics", server.url))).text();
      expect(metrics).toMatch(/lifecycle_actions_done_total\{kind="schedule_deactivate"\} 1\n/);
      expect(metrics).toMatch(/lifecycle_actions_done_total\{kind="inactivity"\} 1\n/);
      // Late by ~3 days: only the last bucket (1 day) and +Inf hold it.
      expect(metrics).toMatch(/lifecycle_action_lag_seconds_bucket\{le="86400",kind="schedule_deactivate"\} 0\n/);
      expect(metrics).toMatch(/lifecycle_action_lag_seconds_count\{kind="schedule_deactivate"\} 1\n/);
      // The second pass found nothing left due.
      expect(metrics).toMatch(/lifecycle_actions_due 0\n/);
    } finally {
      clients.close();
      await server.stop();
      await database.drop();
    }
  });

  // PGlite is one process by nature; this race needs two servers on one PostgreSQL database.
  it.runIf(kind === "postgres")("two servers on one database act once on everything due", async () => {
    const clock = manualClock(new Date("2031-07-01T09:00:00Z"));
    const database = await durableDatabase(kind);
    const config = { ...database.config, adminToken: ADMIN_TOKEN, lifecycle: { intervalMs: 0, workers: 3 } };
    const first = await startTestServer(kind, { now: clock.now }, config);
    const second = await startTestServer(kind, { now: clock.now }, config);
    const clients = new Clients(first.url);
    try {
      const org = await newOrg(clients, ADMIN_TOKEN);
      const users = await Promise.all(Array.from({ length: 40 }, () => newHuman(clients, ADMIN_TOKEN, org)));
      const soon = timestampFromDate(new Date(clock.now().getTime() + MINUTE));
      for (const userId of users.slice(0, 15)) {
        expectOk(await clients.call("connect-json", LifecyclePolicyService, "scheduleDeactivation", { userId, deactivateAt: soon }, ADMIN_TOKEN));
      }
      await setOrgPolicy(clients, ADMIN_TOKEN, org, 1);
      clock.advance(DAY + MINUTE);
      const passes = await Promise.all([first.app.lifecycle.tick(), second.app.lifecycle.tick(), first.app.lifecycle.tick()]);
      // passes[2] shares the first server's running pass, so the first two hold every action taken.
      expect(passes[2]).toBe(passes[0]);
      const count = (kind: "schedule_deactivate" | "inactivity") => passes[0].done[kind] + passes[1].done[kind];
      expect(count("schedule_deactivate") + count("inactivity")).toBe(40);
      expect(await deactivatedIds(first.app.database.db, users)).toEqual([...users].sort());
      // A scheduled user is also idle, so either job may reach it first; each deactivation names the one that did.
      const { rows } = await sql<{ by_schedule: string; by_policy: string; n: string }>`
        select count(*) as n, count(*) filter (where payload ? 'scheduleId') as by_schedule, count(*) filter (where payload ? 'policyId') as by_policy
        from events where type = 'user.deactivated'`.execute(first.app.database.db);
      expect(Number(rows[0].n)).toBe(40);
      expect(Number(rows[0].by_schedule)).toBe(count("schedule_deactivate"));
      expect(Number(rows[0].by_policy)).toBe(count("inactivity"));
      expect(count("schedule_deactivate")).toBeLessThanOrEqual(15);
    } finally {
      clients.close();
      await first.stop();
      await second.stop();
      await database.drop();
    }
  });
});

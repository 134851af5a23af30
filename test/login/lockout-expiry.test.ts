import { expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { expectOk } from "../harness/clients.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { login, newHumanWithPassword, userEvents, WRONG } from "./helpers.js";

const FIFTEEN_MINUTES = 15 * 60_000;
const SWEEP_MS = 50;

describeOnDatabases("policy locks lift themselves in the background on %s", { manualClock: true, config: { lockout: { maxPasswordAttempts: 2, maxOtpAttempts: 0, lockoutDurationMs: FIFTEEN_MINUTES }, lockoutSweepIntervalMs: SWEEP_MS } }, (t) => {
  const { server, clients, clock } = t;

  const state = async (userId: string) => expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken)).user?.state;
  const sweeps = (n: number) => new Promise((resolve) => setTimeout(resolve, n * SWEEP_MS));

  async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("condition not reached in time");
      await sweeps(1);
    }
  }

  it("shows a policy-locked user ACTIVE in GetUserByID once the duration passed, without any login attempt", async () => {
    const policyLocked = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    const manual = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    await login(clients, server.adminToken, { userId: policyLocked.userId }, WRONG);
    await login(clients, server.adminToken, { userId: policyLocked.userId }, WRONG);
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId: manual.userId }, server.adminToken));

    clock.advance(FIFTEEN_MINUTES - 1_000);
    await sweeps(6);
    expect(await state(policyLocked.userId)).toBe(UserState.LOCKED);

    clock.advance(1_000);
    await eventually(async () => (await state(policyLocked.userId)) === UserState.ACTIVE);
    const unlocked = (await userEvents(server.app.database.db, policyLocked.userId)).filter((e) => e.type === "user.unlocked");
    expect(unlocked).toEqual([{ type: "user.unlocked", payload: { reason: "lockout_expired" }, creator: "system:lockout-sweeper" }]);

    // The manual lock is never swept, however long it lasts.
    clock.advance(100 * FIFTEEN_MINUTES);
    await sweeps(6);
    expect(await state(manual.userId)).toBe(UserState.LOCKED);
    expectOk(await login(clients, server.adminToken, { userId: policyLocked.userId }));
    // Swept once; repeated sweeps add nothing.
    expect((await userEvents(server.app.database.db, policyLocked.userId)).filter((e) => e.type === "user.unlocked")).toHaveLength(1);
  });
});

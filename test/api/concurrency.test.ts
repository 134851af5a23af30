import { sql } from "kysely";
import { expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { expectOk, type RpcProtocol, rpcProtocols } from "../harness/clients.js";
import { newHuman } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

// Concurrency only shows on PostgreSQL (PGlite runs one transaction at a time); both run anyway.
describeOnDatabases("conflicting commands on one user on %s", (t) => {
  const { server, clients } = t;

  const eventTypes = async (userId: string) => {
    const { rows } = await sql<{ type: string; sequence: number }>`
      select type, sequence from events where aggregate_type = 'user' and aggregate_id = ${userId} order by sequence`.execute(server.app.database.db);
    return rows;
  };

  it("lets exactly one of 40 parallel deactivations win; the rest fail with FailedPrecondition", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => clients.call(rpcProtocols[i % rpcProtocols.length], UserService, "deactivateUser", { userId }, server.adminToken)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "USER-already-inactive")).toHaveLength(39);
    expect((await eventTypes(userId)).map((e) => e.type)).toEqual(["user.human.added", "user.deactivated"]);
  });

  it("keeps the log a valid history under a storm of mixed commands", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    const methods = ["lockUser", "unlockUser", "deactivateUser", "reactivateUser"] as const;
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        clients.call(rpcProtocols[i % rpcProtocols.length] as RpcProtocol, UserService, methods[i % methods.length], { userId }, server.adminToken),
      ),
    );
    const events = await eventTypes(userId);
    for (const r of results) if (!r.ok) expect(["USER-already-locked", "USER-not-locked", "USER-already-inactive", "USER-not-inactive", "USER-inactive", "EVENTSTORE-contention"]).toContain(r.reason);
    // Every acknowledged command is in the log, once; nothing refused is.
    expect(events).toHaveLength(1 + results.filter((r) => r.ok).length);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    // Replaying the log by the lifecycle rules never hits a forbidden transition (e.g. two deactivations in a row).
    let state = "active";
    const allowed: Record<string, [string[], string]> = {
      "user.locked": [["active", "initial"], "locked"],
      "user.unlocked": [["locked"], "active"],
      "user.deactivated": [["active", "locked"], "inactive"],
      "user.reactivated": [["inactive"], "active"],
    };
    for (const { type } of events.slice(1)) {
      const [from, to] = allowed[type];
      expect(from, `${type} from ${state}`).toContain(state);
      state = to;
    }
    const final = expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken));
    const expected = { active: UserState.ACTIVE, locked: UserState.LOCKED, inactive: UserState.INACTIVE }[state];
    expect(final.user?.state).toBe(expected);
    expect(final.details?.sequence).toBe(BigInt(events.length));
  });
});

import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk, rpcProtocols } from "../harness/clients.js";
import { newHuman, newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

// Concurrent requests share statements (db/batcher.ts: token lookups, loads, reads, appends). Each must
// still get exactly its own answer, whoever else was in its batch.
describeOnDatabases("concurrent requests sharing statements on %s", (t) => {
  const { server, clients } = t;

  it("answers each caller as itself: valid, unknown and deactivated tokens in one burst", async () => {
    const machines = await Promise.all(Array.from({ length: 8 }, () => newMachine(clients, server.adminToken, t.orgId)));
    const deactivated = await newMachine(clients, server.adminToken, t.orgId);
    expectOk(await clients.call("grpc", UserService, "deactivateUser", { userId: deactivated.userId }, server.adminToken));
    const burst = [
      ...machines.map((m, i) => ({ token: m.token, userId: m.userId, expect: "self" as const, protocol: rpcProtocols[i % rpcProtocols.length] })),
      ...machines.map((m, i) => ({ token: `${m.token}x`, userId: m.userId, expect: "unauthenticated" as const, protocol: rpcProtocols[i % rpcProtocols.length] })),
      ...machines.map((m) => ({ token: deactivated.token, userId: m.userId, expect: "unauthenticated" as const, protocol: "grpc" as const })),
      // A machine without roles reading another user: it exists, but this caller cannot see it.
      ...machines.map((m, i) => ({ token: m.token, userId: machines[(i + 1) % machines.length].userId, expect: "not found" as const, protocol: "grpc" as const })),
    ];
    const results = await Promise.all(burst.map((b) => clients.call(b.protocol, UserService, "getUserByID", { userId: b.userId }, b.token)));
    results.forEach((result, i) => {
      const { expect: wanted, userId } = burst[i];
      if (wanted === "self") expect(expectOk(result).user?.userId).toBe(userId);
      else expect(result).toMatchObject({ ok: false, code: wanted === "unauthenticated" ? Code.Unauthenticated : Code.NotFound });
    });
  });

  it("commits a burst of commands on many users, each acknowledged command once, races decided per user", async () => {
    const users = await Promise.all(Array.from({ length: 24 }, () => newHuman(clients, server.adminToken, t.orgId)));
    const contested = users[0];
    const calls = [
      ...users.map((userId, i) => ({ userId, protocol: rpcProtocols[i % rpcProtocols.length] })),
      ...Array.from({ length: 8 }, (_, i) => ({ userId: contested, protocol: rpcProtocols[i % rpcProtocols.length] })),
    ];
    const results = await Promise.all(calls.map((c) => clients.call(c.protocol, UserService, "lockUser", { userId: c.userId }, server.adminToken)));
    const contestedResults = results.filter((_, i) => calls[i].userId === contested);
    expect(contestedResults.filter((r) => r.ok)).toHaveLength(1);
    for (const r of contestedResults.filter((r) => !r.ok)) expect(r).toMatchObject({ reason: "USER-already-locked" });
    results.forEach((r, i) => {
      if (calls[i].userId !== contested) expect(r.ok).toBe(true);
    });
    const { rows } = await sql<{ aggregate_id: string; n: number }>`
      select aggregate_id, count(*)::int as n from events
      where aggregate_type = 'user' and type = 'user.locked' and aggregate_id in (${sql.join(users)}) group by aggregate_id`.execute(server.app.database.db);
    expect(rows).toHaveLength(users.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // The read model and each acknowledged sequence agree with the log.
    for (const userId of users) {
      const user = expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken));
      expect(user.user?.state).toBe(UserState.LOCKED);
      expect(Number(user.details?.sequence)).toBe(2);
    }
  });
});

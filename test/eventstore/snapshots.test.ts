import { Code } from "@connectrpc/connect";
import { type Kysely, sql } from "kysely";
import { expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { apiKeyAggregate } from "../../src/domain/api-key/state.js";
import { instanceAggregate } from "../../src/domain/instance/instance.js";
import { orgAggregate } from "../../src/domain/org/state.js";
import { sessionAggregate } from "../../src/domain/session/state.js";
import { lockoutSettingsAggregate } from "../../src/domain/settings/lockout.js";
import { userAggregate } from "../../src/domain/user/state.js";
import { EventStore } from "../../src/eventstore/event-store.js";
import { decodeState } from "../../src/eventstore/snapshots.js";
import type { Aggregate } from "../../src/eventstore/types.js";
import { expectOk } from "../harness/clients.js";
import { newHuman, newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";
import { login, newHumanWithPassword, WRONG } from "../login/helpers.js";

const aggregates = [userAggregate, orgAggregate, instanceAggregate, sessionAggregate, apiKeyAggregate, lockoutSettingsAggregate];

describeOnDatabases("aggregate snapshots on %s", (t) => {
  const { server, clients } = t;
  const db = () => server.app.database.db as unknown as Kysely<any>;
  const call = <M extends "lockUser" | "unlockUser" | "deactivateUser" | "deleteUser" | "getUserByID">(method: M, userId: string) =>
    clients.call("grpc", UserService, method, { userId } as never, server.adminToken);

  it("loads a long history from its snapshot and projects only the new events: old events are not re-read", async () => {
    const userId = await newHuman(clients, server.adminToken, t.orgId);
    for (let i = 0; i < 30; i++) {
      expectOk(await call("lockUser", userId));
      expectOk(await call("unlockUser", userId));
    }
    const created = expectOk(await call("getUserByID", userId)).details!.creationDate;
    // Rewrite the middle of the history into deletions: folding the stream would now see a removed user.
    await sql`update events set type = 'user.removed', payload = '{"username": "x"}'
              where aggregate_type = 'user' and aggregate_id = ${userId} and sequence between 2 and 60`.execute(db());

    const locked = expectOk(await call("lockUser", userId));
    expect(locked.details?.sequence).toBe(62n);
    expect(locked.details?.creationDate).toEqual(created);
    const got = expectOk(await call("getUserByID", userId));
    expect(got.user?.state).toBe(UserState.LOCKED);
    expect(got.user?.username).toMatch(/^user-/);
    expect(got.details?.sequence).toBe(62n);
  });

  it("falls back to the event log when a snapshot is missing, behind, or of another state shape, and repairs it", async () => {
    const snapshotOf = async (userId: string) =>
      (await sql<{ schema_version: number; version: number; state: unknown }>`select schema_version, version, state from aggregate_snapshots
        where aggregate_type = 'user' and aggregate_id = ${userId}`.execute(db())).rows[0];

    const other = await newHuman(clients, server.adminToken, t.orgId);
    await sql`update aggregate_snapshots set schema_version = 999, state = '{"status": "absent"}' where aggregate_id = ${other}`.execute(db());
    expectOk(await call("lockUser", other));
    expect(await snapshotOf(other)).toMatchObject({ schema_version: 2, version: 2, state: { status: "locked" } });

    await sql`delete from aggregate_snapshots where aggregate_id = ${other}`.execute(db());
    expectOk(await call("unlockUser", other));
    expect(await snapshotOf(other)).toMatchObject({ version: 3, state: { status: "active" } });

    const behind = await newHuman(clients, server.adminToken, t.orgId);
    const fresh = await snapshotOf(behind);
    expectOk(await call("lockUser", behind));
    await sql`update aggregate_snapshots set version = ${fresh.version}, state = ${JSON.stringify(fresh.state)} where aggregate_id = ${behind}`.execute(db());
    // The lock after the stale snapshot is folded on load: a second lock is refused, an unlock is accepted.
    expect(await call("lockUser", behind)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-already-locked" });
    expect(expectOk(await call("unlockUser", behind)).details?.sequence).toBe(3n);
    expect(await snapshotOf(behind)).toMatchObject({ version: 3, state: { status: "active" } });
  });

  it("holds, for every stream, the state the fold of its events gives; without snapshots the log decides and the next append writes one", async () => {
    const machine = await newMachine(clients, server.adminToken, t.orgId, ["ORG_OWNER"]);
    const human = await newHumanWithPassword(clients, server.adminToken, t.orgId);
    expect((await login(clients, server.adminToken, { userId: human.userId }, WRONG)).ok).toBe(false);
    expectOk(await login(clients, server.adminToken, { userId: human.userId }));
    expectOk(await call("lockUser", machine.userId));
    expectOk(await call("deactivateUser", human.userId));
    const gone = await newHuman(clients, server.adminToken, t.orgId);
    expectOk(await call("deleteUser", gone));
    // Racing commands on one user (conflicts on PostgreSQL): every winner's snapshot matches its events.
    const racer = await newHuman(clients, server.adminToken, t.orgId);
    const raced = await Promise.all(Array.from({ length: 16 }, (_, i) => call(i % 2 ? "unlockUser" : "lockUser", racer)));
    expect(raced.filter((r) => r.ok).length).toBeGreaterThan(0);

    const snapshots = async () => {
      const { rows } = await sql<{ aggregate_type: string; aggregate_id: string; schema_version: number; version: number; state: unknown; resource_owner: string; creation_date: Date }>`
        select * from aggregate_snapshots order by aggregate_type, aggregate_id`.execute(db());
      return rows;
    };
    const before = await snapshots();
    const streams = (await sql<{ n: number }>`select count(distinct (aggregate_type, aggregate_id))::int as n from events`.execute(db())).rows[0].n;
    expect(before.length).toBe(streams);
    for (const snapshot of before) {
      const aggregate = aggregates.find((a) => a.type === snapshot.aggregate_type)! as Aggregate<unknown, any>;
      const history = await new EventStore(server.app.database.db, [], () => new Date()).readStream(snapshot.aggregate_type, snapshot.aggregate_id);
      const folded = history.reduce((state, event) => aggregate.evolve(state, event), aggregate.initialState());
      expect(decodeState(snapshot.state), `${snapshot.aggregate_type}/${snapshot.aggregate_id}`).toEqual(folded);
      expect(snapshot).toMatchObject({ version: history.length, resource_owner: history[0].resourceOwner, creation_date: history[0].createdAt });
    }
    expect(before.some((s) => JSON.stringify(s.state).includes("$date"))).toBe(true);

    // A database whose snapshots are missing (or of another shape) repairs itself: loads fold the log.
    await sql`delete from aggregate_snapshots`.execute(db());
    expect(await call("lockUser", machine.userId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-already-locked" });
    expectOk(await call("unlockUser", machine.userId));
    const rewritten = (await snapshots()).find((s) => s.aggregate_id === machine.userId);
    const history = await new EventStore(server.app.database.db, [], () => new Date()).readStream("user", machine.userId);
    expect(rewritten).toMatchObject({ version: history.length, creation_date: history[0].createdAt });
    expect(decodeState(rewritten?.state)).toEqual(history.reduce((state, event) => userAggregate.evolve(state, event as never), userAggregate.initialState()));
  });
});

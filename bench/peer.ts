import { CommandHandler, type Event, projections } from "@event-driven-io/emmett";
import { getPostgreSQLEventStore, postgreSQLRawSQLProjection } from "@event-driven-io/emmett-postgresql";
import { SQL } from "@event-driven-io/dumbo";
import pg from "pg";
import { deactivateUser, lockUser, reactivateUser, unlockUser } from "../src/domain/user/decide.js";
import type { UserEvent } from "../src/domain/user/events.js";
import { evolveUser, initialUserState, type UserState } from "../src/domain/user/state.js";
import type { StoredEvent } from "../src/eventstore/types.js";
import { cycle, type LifecycleCommand } from "./lifecycle.js";
import { measure, type PassResult } from "./stats.js";

type PeerEvent = UserEvent & Event;

const decide: Record<LifecycleCommand, (state: UserState) => UserEvent[]> = {
  lockUser,
  unlockUser,
  deactivateUser,
  reactivateUser,
};

const states: Record<string, string> = {
  "user.locked": "locked",
  "user.unlocked": "active",
  "user.deactivated": "inactive",
  "user.reactivated": "active",
};

/** The peer's read model: one row per user, updated in the append's transaction (inline). */
const usersProjection = postgreSQLRawSQLProjection<PeerEvent>({
  name: "peer_users",
  canHandle: ["user.human.added", "user.locked", "user.unlocked", "user.deactivated", "user.reactivated"],
  evolve: (event: any) => {
    const id = event.metadata.streamName as string;
    const sequence = Number(event.metadata.streamPosition);
    if (event.type === "user.human.added") {
      return SQL`insert into peer_users (id, username, state, sequence, change_date) values (${id}, ${event.data.username}, 'active', ${sequence}, now())`;
    }
    return SQL`update peer_users set state = ${states[event.type]}, sequence = ${sequence}, change_date = now() where id = ${id}`;
  },
});

// Our pure deciders, folded with Emmett's CommandHandler; the store-specific fields do not matter to them.
const handle = CommandHandler<UserState, PeerEvent>({
  initialState: initialUserState,
  evolve: (state, event) =>
    evolveUser(state, { ...event, aggregateType: "user", aggregateId: "", sequence: 0, position: 0, createdAt: new Date(0), creator: "", resourceOwner: "peer" } as StoredEvent<UserEvent>),
});

/**
 * The peer: the same four commands as event-sourced command handlers on Emmett's PostgreSQL event store
 * (its own tables in the same database) with an inline projection, called in-process — no RPC, no
 * auth — with the same clients, users and pool size as ours. Opening it creates the schema and appends
 * each user's `user.human.added` (the seed pass); `run` is the measured lifecycle pass.
 */
export async function openPeer(databaseUrl: string, userIds: readonly string[], concurrency: number) {
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  await setup.query("create table if not exists peer_users (id text primary key, username text not null, state text not null, sequence int not null, change_date timestamptz not null)");
  await setup.end();

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  const store = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool }, projections: projections.inline([usersProjection]) });
  const close = async () => {
    await store.close();
    await pool.end().catch(() => {});
  };
  try {
    await store.schema.migrate();
    const seed = await measure(userIds, { concurrency }, async (id, time) => {
      await time(() =>
        store.appendToStream(`user-${id}`, [
          { type: "user.human.added", data: { username: `peer-${id}`, profile: { givenName: "Bench", familyName: "User" }, email: { address: `peer-${id}@example.com`, verified: true } } },
        ]),
      );
    });
    const run = () =>
      measure(userIds, { concurrency }, async (id, time) => {
        for (const command of cycle) await time(() => handle(store, `user-${id}`, (state) => decide[command](state) as PeerEvent[]));
      });
    return { seed, run, close };
  } catch (error) {
    await close();
    throw error;
  }
}

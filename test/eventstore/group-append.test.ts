import { type Kysely, sql } from "kysely";
import { expect, it } from "vitest";
import { planAppend } from "../../src/eventstore/append.js";
import { type LoadedAggregate, PendingWrite } from "../../src/eventstore/event-store.js";
import { appendGroup } from "../../src/eventstore/group-append.js";
import type { Aggregate } from "../../src/eventstore/types.js";
import { unique } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

const counter: Aggregate<{ n: number }, { type: "counted"; data: object }> = {
  type: "group-append-probe",
  initialState: () => ({ n: 0 }),
  evolve: (state) => ({ n: state.n + 1 }),
};

/** The plan of one "counted" event on a stream the command believes to be at `version`. */
function planAt(id: string, version: number) {
  const target: LoadedAggregate<{ n: number }> = { aggregate: counter, id, state: { n: version }, version, creationDate: undefined, resourceOwner: undefined };
  const write = new PendingWrite(target, target.state, "owner");
  write.events.push({ type: "counted", data: {} });
  return planAppend([write], { creator: "test" }, new Date(), []);
}

describeOnDatabases("group commit of appends on %s", { orgs: 0 }, (t) => {
  const { server } = t;
  const db = () => server.app.database.db;
  const sequences = async (id: string) =>
    (await sql<{ sequence: number }>`select sequence from events where aggregate_type = ${counter.type} and aggregate_id = ${id} order by sequence`.execute(db() as Kysely<any>)).rows.map((r) => r.sequence);

  it("writes the appends of several commands in one statement, each with its own stored events", async () => {
    const ids = [unique("a"), unique("b"), unique("c")];
    const outcomes = await appendGroup(db(), ids.map((id) => planAt(id, 0)));
    expect(outcomes.every((o) => "rows" in o)).toBe(true);
    for (const id of ids) expect(await sequences(id)).toEqual([1]);
    const positions = "rows" in outcomes[0] ? outcomes[0].rows.map((r) => Number(r.position)) : [];
    expect(new Set(positions).size).toBe(3);
  });

  it("fails only the command that lost its race: the others of its statement are written", async () => {
    const [fresh, raced, other] = [unique("fresh"), unique("raced"), unique("other")];
    await appendGroup(db(), [planAt(raced, 0)]);
    // `raced` is at version 1 now; a command that loaded it at 0 lost the race.
    const outcomes = await appendGroup(db(), [planAt(fresh, 0), planAt(raced, 0), planAt(other, 0)]);
    expect("rows" in outcomes[0] && "rows" in outcomes[2]).toBe(true);
    expect(outcomes[1]).toMatchObject({ error: expect.objectContaining({ code: "23505" }) });
    expect(await sequences(fresh)).toEqual([1]);
    expect(await sequences(other)).toEqual([1]);
    expect(await sequences(raced)).toEqual([1]);
  });
});

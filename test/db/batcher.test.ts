import { describe, expect, it } from "vitest";
import { createBatcher } from "../../src/db/batcher.js";

/** A runner that records each batch and answers when told to. */
function recordingRunner() {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  const run = (keys: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(keys);
      pending.push(() => (keys.includes("fail") ? reject(new Error("boom")) : resolve(keys.map((k) => `answer:${k}`))));
    });
  // Answers every batch sent, until nothing more is sent for a few turns of the event loop.
  const finishAll = async () => {
    for (let quiet = 0; quiet < 3; ) {
      await new Promise((resolve) => setImmediate(resolve));
      if (pending.length === 0) quiet++;
      else {
        quiet = 0;
        pending.splice(0).forEach((finish) => finish());
      }
    }
  };
  return { batches, run, finishAll };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("batcher (group commit for statements)", () => {
  it("sends a lone call on its own, and everything that queued behind a running batch as one", async () => {
    const { batches, run, finishAll } = recordingRunner();
    const call = createBatcher(run, { maxInFlight: 1 });
    const first = call("a");
    await turn();
    const later = ["b", "c", "d"].map((k) => call(k));
    await turn();
    expect(batches).toEqual([["a"]]);
    await finishAll();
    expect(batches).toEqual([["a"], ["b", "c", "d"]]);
    expect(await first).toBe("answer:a");
    expect(await Promise.all(later)).toEqual(["answer:b", "answer:c", "answer:d"]);
  });

  it("coalesces the calls of one event-loop turn and keeps at most maxInFlight batches running", async () => {
    const { batches, run, finishAll } = recordingRunner();
    const call = createBatcher(run, { maxInFlight: 2, maxBatch: 2 });
    const results = ["a", "b", "c", "d", "e"].map((k) => call(k));
    await turn();
    expect(batches).toEqual([["a", "b"], ["c", "d"]]);
    await finishAll();
    expect(batches).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d", "e"].map((k) => `answer:${k}`));
  });

  it("fails only the calls of the failing batch, and goes on afterwards", async () => {
    const { run, finishAll } = recordingRunner();
    const call = createBatcher(run, { maxInFlight: 1 });
    const first = call("ok-1");
    await turn();
    const failing = Promise.allSettled([call("fail"), call("x")]);
    await finishAll();
    expect(await first).toBe("answer:ok-1");
    for (const result of await failing) expect(result).toMatchObject({ status: "rejected", reason: new Error("boom") });
    const after = call("ok-2");
    await finishAll();
    expect(await after).toBe("answer:ok-2");
  });

  it("never puts two calls that share a key in one batch, and runs an 'alone' call by itself", async () => {
    const { batches, run, finishAll } = recordingRunner();
    const keysOf = (key: string) => (key === "solo" ? ("alone" as const) : [key.split(":")[0]]);
    const call = createBatcher(run, { maxInFlight: 1 }, keysOf);
    const results = ["u1:lock", "u2:lock", "u1:unlock", "solo", "u3:lock", "u1:deactivate"].map((k) => call(k));
    await finishAll();
    expect(batches).toEqual([["u1:lock", "u2:lock", "u3:lock"], ["u1:unlock"], ["solo"], ["u1:deactivate"]]);
    expect(await Promise.all(results)).toHaveLength(6);
  });
});

import { describe, expect, it } from "vitest";
import { nextRound } from "../../src/db/next-round.js";

/** A call that records when each round started and answers when told to. */
function controlledCall() {
  let started = 0;
  const finish: ((ok: boolean) => void)[] = [];
  const call = () =>
    new Promise<number>((resolve, reject) => {
      const round = ++started;
      finish.push((ok) => (ok ? resolve(round) : reject(new Error(`round ${round} failed`))));
    });
  return { call, started: () => started, finishNext: (ok = true) => finish.shift()?.(ok) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("nextRound (one shared call per round of callers)", () => {
  it("gives a caller that arrives while a round runs the NEXT round's answer, shared with everyone queued", async () => {
    const c = controlledCall();
    const shared = nextRound(c.call);
    const first = shared();
    const a = shared();
    const b = shared();
    expect(c.started()).toBe(1); // a and b wait: the running round began before they asked
    c.finishNext();
    expect(await first).toBe(1);
    await turn();
    expect(c.started()).toBe(2);
    c.finishNext();
    expect([await a, await b]).toEqual([2, 2]);
    expect(c.started()).toBe(2);
  });

  it("starts a fresh round for a caller when none runs, and a failed round fails only its own callers", async () => {
    const c = controlledCall();
    const shared = nextRound(c.call);
    const failing = shared();
    const queued = shared();
    c.finishNext(false);
    await expect(failing).rejects.toThrow("round 1 failed");
    await turn();
    c.finishNext();
    expect(await queued).toBe(2);
    const later = shared();
    expect(c.started()).toBe(3);
    c.finishNext();
    expect(await later).toBe(3);
  });
});

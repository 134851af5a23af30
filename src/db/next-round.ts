/**
 * One call shared by every caller that asked before it STARTED (not merely before it ended): a caller that
 * arrives while a round is in flight waits for the next round. So each caller's answer was produced after it
 * asked — what "the primary's WAL position after my write" needs — while concurrent callers share one query.
 */
export function nextRound<T>(call: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const round = call().finally(() => {
      if (running === round) running = undefined;
    });
    running = round;
    return round;
  };
  return () => {
    if (!running) return start();
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    return queued;
  };
}

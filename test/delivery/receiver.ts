import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers for a request to a path: a status, or "hang" (never answers). */
export type Behaviour = (req: Received, nth: number) => number | "hang";

/** A real HTTP receiver on 127.0.0.1 that records every request and answers as each path's behaviour says. */
/** `delayMs`: every answer waits this long, so a backlog builds up behind a slow receiver. */
export async function startReceiver(delayMs = 0) {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const counts = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const entry = { path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      received.push(entry);
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      const answer = (behaviours.get(path) ?? (() => 200))(entry, nth);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      res.statusCode = answer;
      if (delayMs) setTimeout(() => res.end(), delayMs);
      else res.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    on: (path: string, behaviour: Behaviour) => behaviours.set(path, behaviour),
    at: (path: string) => received.filter((r) => r.path === path),
    events: (path: string) => received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as { aggregateID: string; sequence: number; event_type: string; event_payload: Record<string, unknown> }),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

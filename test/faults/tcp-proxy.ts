import net from "node:net";
import { createScratchDatabase } from "../harness/databases.js";

export type ProxyMode = "forward" | "pause" | "blackhole" | "refuse";

/**
 * A TCP proxy in front of PostgreSQL that injects network faults: `reset()` kills every connection with
 * an RST; "pause" holds the bytes of open connections (and of new ones) until forwarding resumes;
 * "blackhole" accepts connections and swallows everything for good; "refuse" closes new connections at once.
 */
export class TcpProxy {
  mode: ProxyMode = "forward";
  private readonly pairs = new Set<{ client: net.Socket; upstream?: net.Socket; paused: boolean }>();
  private server?: net.Server;
  private replyDrops: { matches: (bytes: Buffer) => boolean; after?: () => void }[] = [];
  /** Requests whose reply was dropped (see dropReplyTo). */
  repliesDropped = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly listenPort = 0,
  ) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.listenPort, "127.0.0.1", () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(client: net.Socket): void {
    client.on("error", () => {});
    if (this.mode === "refuse") return void client.resetAndDestroy();
    const pair = { client, upstream: undefined as net.Socket | undefined, paused: false };
    this.pairs.add(pair);
    client.once("close", () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === "blackhole") return void client.resume();
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on("error", () => client.destroy());
    upstream.once("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
    if (this.mode === "pause") this.hold(pair);
    client.on("data", (bytes: Buffer) => this.maybeDropReply(pair, bytes));
    if (this.replyDelayMs > 0) this.delay(pair);
  }

  /** Every reply from PostgreSQL (on open and new connections) arrives `ms` late: a slow, not a dead, database. */
  replyDelayMs = 0;
  delayReplies(ms: number): void {
    this.replyDelayMs = ms;
    for (const pair of this.pairs) if (pair.upstream) this.delay(pair);
  }

  private delay(pair: { client: net.Socket; upstream?: net.Socket }): void {
    const { client, upstream } = pair;
    if (!upstream) return;
    upstream.unpipe(client);
    let last = 0;
    upstream.on("data", (bytes: Buffer) => {
      // in order, each at least replyDelayMs after it arrived
      last = Math.max(Date.now() + this.replyDelayMs, last);
      setTimeout(() => client.destroyed || client.write(bytes), last - Date.now());
    });
  }

  /**
   * The next request (bytes from the server to PostgreSQL) that `matches` is delivered, but its reply is
   * not: the proxy swallows what PostgreSQL answers, then resets the server's connection, as a network
   * that fails between COMMIT and its reply does. `beforeReset` runs right before the reset (e.g. to pause
   * every other connection too).
   */
  dropReplyTo(matches: (bytes: Buffer) => boolean, beforeReset?: () => void): void {
    this.replyDrops.push({ matches, after: beforeReset });
  }

  private maybeDropReply(pair: { client: net.Socket; upstream?: net.Socket }, bytes: Buffer): void {
    const drop = this.replyDrops.find((d) => d.matches(bytes));
    if (!drop || !pair.upstream) return;
    this.replyDrops = this.replyDrops.filter((d) => d !== drop);
    this.repliesDropped++;
    const { client, upstream } = pair;
    upstream.unpipe(client);
    upstream.on("data", () => {}); // swallowed
    // Long enough for PostgreSQL to execute and commit what it was sent.
    setTimeout(() => {
      drop.after?.();
      client.resetAndDestroy();
      upstream.destroy();
    }, 150);
  }

  private hold(pair: { client: net.Socket; upstream?: net.Socket; paused: boolean }): void {
    pair.paused = true;
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  }

  /** Every open connection gets a TCP reset (ECONNRESET on the server's side). */
  reset(): number {
    const n = this.pairs.size;
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream?.destroy();
    }
    return n;
  }

  pause(): void {
    this.mode = "pause";
    for (const pair of this.pairs) if (pair.upstream) this.hold(pair);
  }

  /** Back to forwarding; held bytes flow on. Black-holed connections stay dead (the server must drop them). */
  forward(): void {
    this.mode = "forward";
    for (const pair of this.pairs) {
      if (!pair.paused || !pair.upstream) continue;
      pair.paused = false;
      pair.client.pipe(pair.upstream).pipe(pair.client);
      pair.client.resume();
      pair.upstream.resume();
    }
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** A scratch PostgreSQL database and a proxy in front of it: `url` goes through the proxy, `directUrl` around it. */
export async function scratchDatabaseBehindProxy() {
  const scratch = await createScratchDatabase();
  const target = new URL(scratch.url);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(scratch.url);
  viaProxy.port = String(await proxy.start());
  return {
    proxy,
    url: viaProxy.toString(),
    directUrl: scratch.url,
    async drop() {
      await proxy.close();
      await scratch.drop();
    },
  };
}

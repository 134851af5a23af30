import { Code } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Watcher } from "../events/watch-client.js";

type WatchRequest = ConstructorParameters<typeof Watcher>[3];
type Filter = NonNullable<Exclude<WatchRequest, undefined>["filter"]>;

/**
 * A WatchEvents client as an application writes one: when its stream ends with Unavailable (the instance
 * is shutting down or gone), it opens a new one from the last position it received, wherever the load
 * balancer sends it. Goes through `Watcher`, the one place that names the event service.
 */
export class ResumingWatcher {
  readonly positions: bigint[] = [];
  resumes = 0;
  failure?: string;
  private current?: Watcher;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly filter: MessageInitShape<Filter extends MessageInitShape<infer S> ? S : never> | Filter,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const from = this.positions.at(-1) ?? 0n;
      const watcher = new Watcher("grpc", this.url, this.token, { filter: this.filter as never, fromPosition: from });
      this.current = watcher;
      let seen = 0;
      const drain = () => {
        for (; seen < watcher.events.length; seen++) this.positions.push(watcher.events[seen].position);
      };
      while (!watcher.ended) {
        drain();
        await new Promise((r) => setTimeout(r, 10));
      }
      drain();
      if (this.stopped) return;
      if (watcher.error && watcher.error.code !== Code.Unavailable && watcher.error.code !== Code.Internal) {
        this.failure = `stream ended with ${Code[watcher.error.code]} ${watcher.error.reason ?? ""}`;
        return;
      }
      this.resumes++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.stop();
    await this.done;
  }
}

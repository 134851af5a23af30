import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { type Event, EventService, type WatchEventsRequest, WatchEventsRequestSchema, WatchEventsResponseSchema } from "../../gen/lifecycle/event/v1/event_service_pb.js";
import { decodeStatus } from "../harness/grpc-status.js";
import type { MessageInitShape } from "@bufbuild/protobuf";

export const watchProtocols = ["grpc-js", "grpc", "grpc-web", "connect-json", "connect-proto"] as const;
export type WatchProtocol = (typeof watchProtocols)[number];

/** One WatchEvents stream over a real client, collecting what it receives. */
export class Watcher {
  readonly events: Event[] = [];
  heartbeats = 0;
  ended = false;
  error?: { code: Code; reason?: string };
  private readonly controller = new AbortController();
  private cancelGrpc?: () => void;
  /** grpc-js only: stop and restart reading, as a slow client does (HTTP/2 flow control pushes back on the server). */
  pause?: () => void;
  resume?: () => void;
  readonly done: Promise<void>;

  constructor(
    readonly protocol: WatchProtocol,
    baseUrl: string,
    token: string,
    request: MessageInitShape<typeof WatchEventsRequestSchema>,
  ) {
    this.done = protocol === "grpc-js" ? this.viaGrpcJs(baseUrl, token, request) : this.viaConnect(transport(protocol, baseUrl), token, request);
  }

  private async viaConnect(transport: Transport, token: string, request: MessageInitShape<typeof WatchEventsRequestSchema>) {
    const client = createClient(EventService, transport);
    try {
      for await (const res of client.watchEvents(request, { headers: { authorization: `Bearer ${token}` }, signal: this.controller.signal })) this.receive(res.kind);
    } catch (error) {
      const e = ConnectError.from(error);
      if (!this.controller.signal.aborted) this.error = { code: e.code, reason: e.findDetails(ErrorDetailSchema)[0]?.id };
    }
    this.ended = true;
  }

  private viaGrpcJs(baseUrl: string, token: string, request: MessageInitShape<typeof WatchEventsRequestSchema>) {
    const client = new grpc.Client(new URL(baseUrl).host, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    const call = client.makeServerStreamRequest(
      `/${EventService.typeName}/WatchEvents`,
      (msg: WatchEventsRequest) => Buffer.from(toBinary(WatchEventsRequestSchema, msg)),
      (buf: Buffer) => fromBinary(WatchEventsResponseSchema, buf),
      create(WatchEventsRequestSchema, request),
      metadata,
    );
    this.cancelGrpc = () => call.cancel();
    this.pause = () => call.pause();
    this.resume = () => call.resume();
    call.on("data", (res) => this.receive(res.kind));
    return new Promise<void>((resolve) => {
      call.on("error", (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) {
          const bin = err.metadata?.get("grpc-status-details-bin")[0];
          const detail = bin ? decodeStatus(bin as Buffer).details.find((d) => d.typeUrl.endsWith("zitadel.v1.ErrorDetail")) : undefined;
          this.error = { code: err.code as number as Code, reason: detail ? fromBinary(ErrorDetailSchema, detail.value).id : undefined };
        }
      });
      call.on("close", () => {
        this.ended = true;
        client.close();
        resolve();
      });
    });
  }

  private receive(kind: { case: "event"; value: Event } | { case: "heartbeat"; value: unknown } | { case: undefined; value?: undefined }) {
    if (kind.case === "event") this.events.push(kind.value);
    if (kind.case === "heartbeat") this.heartbeats++;
  }

  /** Resolves once `predicate` holds, or rejects when the stream ends first or the time runs out. */
  async until(predicate: (w: Watcher) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (this.ended) throw new Error(`${this.protocol} stream ended (${JSON.stringify(this.error)}) after ${this.events.length} events`);
      if (Date.now() > deadline) throw new Error(`${this.protocol}: timed out with ${this.events.length} events`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.cancelGrpc?.();
    await this.done;
  }

  get lastPosition(): bigint {
    return this.events.at(-1)?.position ?? 0n;
  }
}

function transport(protocol: Exclude<WatchProtocol, "grpc-js">, baseUrl: string): Transport {
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
    case "connect-json":
      return createConnectTransport({ baseUrl, httpVersion: "1.1" });
    case "connect-proto":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true });
  }
}

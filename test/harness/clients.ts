import * as grpc from "@grpc/grpc-js";
import { create, type DescMethodUnary, type DescService, fromBinary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ErrorDetailSchema, ErrorFactsSchema } from "../../gen/zitadel/message_pb.js";
import { grpcGenericClient } from "./grpc-generic-client.js";
import { decodeStatus } from "./grpc-status.js";

/** The RPC protocols every method is tested over; REST is exercised with `rest()` by path. */
export const rpcProtocols = ["grpc", "grpc-web", "connect-json", "connect-proto"] as const;
export type RpcProtocol = (typeof rpcProtocols)[number];

export type RpcResult<O> =
  | { ok: true; message: O }
  | { ok: false; code: Code; reason: string | undefined; text: string; facts?: Record<string, string> };

/** One client per protocol, all on the same port; a URL given as a function is read at the first call (after close(), again). */
export class Clients {
  private readonly grpcClients = new Map<string, grpc.Client>();
  private transportsOnce: Record<Exclude<RpcProtocol, "grpc">, Transport> | undefined;

  constructor(private readonly url: string | (() => string)) {}

  get baseUrl(): string {
    return typeof this.url === "string" ? this.url : this.url();
  }

  private get transports() {
    const baseUrl = this.baseUrl;
    this.transportsOnce ??= {
      "grpc-web": createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
      "connect-json": createConnectTransport({ baseUrl, httpVersion: "1.1" }),
      "connect-proto": createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
    };
    return this.transportsOnce;
  }

  /** Calls `service.method` over `protocol` with a bearer token; errors come back as values. */
  async call<S extends DescService, M extends keyof S["method"] & string>(
    protocol: RpcProtocol,
    service: S,
    method: M,
    request: S["method"][M] extends DescMethodUnary<infer I, any> ? MessageInitShape<I> : never,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<RpcResult<S["method"][M] extends DescMethodUnary<any, infer O> ? MessageShape<O> : never>> {
    const desc = service.method[method] as DescMethodUnary;
    const allHeaders = { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    if (protocol === "grpc") return this.callGrpc(service, desc, request, allHeaders) as never;
    const client = createClient(service, this.transports[protocol]) as any;
    try {
      return { ok: true, message: await client[desc.localName](request, { headers: allHeaders }) };
    } catch (error) {
      const e = ConnectError.from(error);
      const facts = e.findDetails(ErrorFactsSchema)[0]?.facts;
      return { ok: false, code: e.code, reason: e.findDetails(ErrorDetailSchema)[0]?.id, text: e.rawMessage, ...(facts ? { facts } : {}) };
    }
  }

  private callGrpc(service: DescService, method: DescMethodUnary, request: object, headers: Record<string, string>) {
    let client = this.grpcClients.get(service.typeName);
    if (!client) {
      client = grpcGenericClient(service, this.baseUrl);
      this.grpcClients.set(service.typeName, client);
    }
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    return new Promise<RpcResult<unknown>>((resolve) => {
      (client as any)[method.localName](create(method.input, request as never), metadata, (err: grpc.ServiceError | null, res: unknown) => {
        if (!err) return resolve({ ok: true, message: res });
        const bin = err.metadata?.get("grpc-status-details-bin")[0];
        const status = bin ? decodeStatus(bin as Buffer) : undefined;
        const detail = status?.details.find((d) => d.typeUrl.endsWith("zitadel.v1.ErrorDetail"));
        const facts = status?.details.find((d) => d.typeUrl.endsWith("zitadel.v1.ErrorFacts"));
        resolve({
          ok: false,
          code: err.code as number as Code,
          reason: detail ? fromBinary(ErrorDetailSchema, detail.value).id : undefined,
          text: err.details,
          ...(facts ? { facts: fromBinary(ErrorFactsSchema, facts.value).facts } : {}),
        });
      });
    });
  }

  close(): void {
    for (const client of this.grpcClients.values()) client.close();
    this.grpcClients.clear();
    this.transportsOnce = undefined;
  }
}

export interface RestResult {
  status: number;
  body: any;
  headers: Headers;
}

/** Plain JSON over HTTP/1.1, as curl would send it. */
export async function rest(baseUrl: string, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<RestResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export function expectOk<O>(result: RpcResult<O>): O {
  if (!result.ok) throw new Error(`expected success, got ${Code[result.code]}: ${result.text}`);
  return result.message;
}

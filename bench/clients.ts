import { Agent } from "node:http";
import * as grpc from "@grpc/grpc-js";
import { create, type DescMethodUnary, type DescService } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { grpcGenericClient } from "../test/harness/grpc-generic-client.js";

export const protocols = ["grpc", "connect-json", "rest"] as const;
export type Protocol = (typeof protocols)[number];

/** Calls one unary method with a bearer token; rejects on any error status. */
export type Call = (service: DescService, method: string, request: object) => Promise<any>;

export interface ApiClient {
  call: Call;
  close(): void;
}

/** grpc-js over one HTTP/2 connection, with the generated schemas as serializers. */
export function grpcClient(baseUrl: string, token: string): ApiClient {
  const clients = new Map<string, any>();
  const clientFor = (service: DescService) => {
    let client = clients.get(service.typeName);
    if (client) return client;
    client = grpcGenericClient(service, baseUrl);
    clients.set(service.typeName, client);
    return client;
  };
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return {
    call(service, method, request) {
      const desc = service.methods.find((m) => m.localName === method) as DescMethodUnary;
      const message = create(desc.input, request as never);
      return new Promise((resolve, reject) => {
        clientFor(service)[method](message, metadata, (err: grpc.ServiceError | null, res: unknown) => (err ? reject(new Error(`${method}: ${err.message}`)) : resolve(res)));
      });
    },
    close: () => clients.forEach((c) => c.close()),
  };
}

/** Connect with JSON bodies over HTTP/1.1 keep-alive, as a web or Node client would call it. */
export function connectJsonClient(baseUrl: string, token: string): ApiClient {
  const agent = new Agent({ keepAlive: true });
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", nodeOptions: { agent } });
  const clients = new Map<string, any>();
  const headers = { authorization: `Bearer ${token}` };
  return {
    call(service, method, request) {
      let client = clients.get(service.typeName);
      if (!client) clients.set(service.typeName, (client = createClient(service, transport)));
      return client[method](request, { headers });
    },
    close: () => agent.destroy(),
  };
}

/** REST paths of the user v2 methods the benchmark calls (from their google.api.http bindings). */
const restRoutes: Record<string, (req: any) => [string, string, unknown?]> = {
  lockUser: (r) => ["POST", `/v2/users/${r.userId}/lock`, {}],
  unlockUser: (r) => ["POST", `/v2/users/${r.userId}/unlock`, {}],
  deactivateUser: (r) => ["POST", `/v2/users/${r.userId}/deactivate`, {}],
  reactivateUser: (r) => ["POST", `/v2/users/${r.userId}/reactivate`, {}],
  getUserByID: (r) => ["GET", `/v2/users/${r.userId}`],
};

/** The JSON gateway through the global fetch (undici; keeps connections alive). */
export function restClient(baseUrl: string, token: string): ApiClient {
  return {
    async call(_service, method, request) {
      const route = restRoutes[method];
      if (!route) throw new Error(`no REST route for ${method} in the benchmark`);
      const [verb, path, body] = route(request);
      const response = await fetch(baseUrl + path, {
        method: verb,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${text}`);
      return JSON.parse(text);
    },
    close() {},
  };
}

export function apiClient(protocol: Protocol, baseUrl: string, token: string): ApiClient {
  if (protocol === "grpc") return grpcClient(baseUrl, token);
  if (protocol === "connect-json") return connectJsonClient(baseUrl, token);
  return restClient(baseUrl, token);
}

import { create, type DescMethodUnary, type DescService, getOption, type JsonObject, toJson } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { http as httpOption } from "../../gen/google/api/annotations_pb.js";
import { restPrefixes } from "../../src/api/routes.js";
import { type Clients, rest, type RpcProtocol, type RpcResult } from "./clients.js";

/** Every protocol a method can be called over: the RPC ones, and REST where the method has a binding. */
export type AnyProtocol = RpcProtocol | "rest";

/**
 * Calls a method over REST as curl would, building the path and body from the method's own
 * google.api.http binding, so a test written once runs on the gateway too. Undefined without a binding.
 */
export async function restCall(
  baseUrl: string,
  service: DescService,
  method: DescMethodUnary,
  request: object,
  token?: string,
  headers: Record<string, string> = {},
): Promise<RpcResult<JsonObject> | undefined> {
  const rule = getOption(method, httpOption);
  if (rule.pattern.case === undefined || rule.pattern.case === "custom") return undefined;
  const verb = rule.pattern.case.toUpperCase();
  const json = toJson(method.input, create(method.input, request as never)) as JsonObject;
  const path = (restPrefixes[service.typeName] ?? "") +
    rule.pattern.value.replace(/\{([a-z_.]+)\}/g, (_, name: string) => {
      const field = method.input.fields.find((f) => f.name === name);
      const value = field ? json[field.jsonName] : undefined;
      if (field) delete json[field.jsonName];
      return encodeURIComponent(String(value ?? ""));
    });
  const res = await rest(baseUrl, verb, path, { token, headers, body: rule.body === "*" ? json : undefined });
  if (res.status >= 200 && res.status < 300) return { ok: true, message: res.body ?? {} };
  const id = res.body?.details?.find((d: { id?: string }) => d.id)?.id;
  return { ok: false, code: (res.body?.code ?? Code.Unknown) as Code, reason: id, text: res.body?.message ?? "" };
}

/** `Clients.call` extended with "rest"; a method without a REST binding answers undefined there. */
export function callAny(clients: Clients, protocol: AnyProtocol, service: DescService, methodName: string, request: object, token?: string, headers: Record<string, string> = {}) {
  const method = service.method[methodName] as DescMethodUnary;
  if (protocol === "rest") return restCall(clients.baseUrl, service, method, request, token, headers);
  return clients.call(protocol, service as never, methodName as never, request as never, token, headers) as Promise<RpcResult<unknown>>;
}

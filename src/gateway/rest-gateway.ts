import type * as http from "node:http";
import type * as http2 from "node:http2";
import { Code, ConnectError, createHandlerContext, createServiceImplSpec } from "@connectrpc/connect";
import type { ContextValues, Interceptor, ServiceImpl, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import { create, fromJson, getOption, hasOption, isMessage, ScalarType, toJson } from "@bufbuild/protobuf";
import type { DescField, DescMessage, DescMethod, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import type { JsonObject, JsonValue, Registry } from "@bufbuild/protobuf";
import { http as httpOption } from "../../gen/google/api/annotations_pb.js";
import { refusal } from "../api/interceptors/errors.js";
import { checkedSearchParams, decodeUtf8 } from "../api/interceptors/text-input.js";
import { DomainError } from "../domain/errors.js";
import { readBody } from "../http/request.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { options as zitadelOptions } from "../../gen/lifecycle/auth/v1/options_pb.js";
import { PathMatcher, parseTemplate, type MatchedVariable } from "./path-template.js";
import { connectCodeToHttpStatus, restErrorBody } from "./rest-errors.js";

/** A service and its implementation, as registered with connect's router (src/api/routes.ts). */
export interface Implementation {
  service: DescService;
  /** A (partial) ServiceImpl of `service`; methods it lacks answer Unimplemented. */
  impl: object;
}

export interface RestGatewayOptions {
  /** What the REST paths reach: the same implementations the RPC protocols reach. */
  implementations: Implementation[];
  /** The same interceptors as the RPC protocols, in the same order. */
  interceptors: Interceptor[];
  /** service typeName -> path prefix, e.g. {"zitadel.management.v1.ManagementService": "/management/v1"} */
  prefixes?: Record<string, string>;
  registry: Registry;
  readMaxBytes?: number; // request body limit, default 4 MiB
  contextValues?: (req: http.IncomingMessage) => ContextValues;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;
export type RestGatewayHandler = (req: Req, res: Res) => Promise<void>;

type UnaryMethodImpl = (request: any, context: ReturnType<typeof createHandlerContext>) => unknown;

interface Binding {
  method: DescMethodUnary;
  impl: UnaryMethodImpl;
  /** "none": no body rule, "all": body "*", else the field path the body fills */
  body: "none" | "all" | DescField[];
  responseField: DescField | undefined;
  successCode: number;
}

// hop-by-hop headers and framing headers: they describe the REST request, not the call
const hopByHop = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
  "te", "trailer", "transfer-encoding", "upgrade", "http2-settings", "host", "expect", "content-length", "content-type",
  "content-encoding", "accept-encoding"]);

// not a ConnectError subclass: ConnectError's instanceof matches any ConnectError by name
class RestError extends Error {
  constructor(message: string, readonly code: Code, readonly status: number = connectCodeToHttpStatus(code)) {
    super(message);
  }
}

function findField(desc: DescMessage, name: string): DescField | undefined {
  return desc.fields.find((f) => f.name === name) ?? desc.fields.find((f) => f.jsonName === name);
}

/** Resolves a dotted field path; every field but the last must be a singular message. */
function resolvePath(desc: DescMessage, path: string): DescField[] | undefined {
  const fields: DescField[] = [];
  let cur: DescMessage | undefined = desc;
  for (const name of path.split(".")) {
    const f: DescField | undefined = cur ? findField(cur, name) : undefined;
    if (!f) return undefined;
    fields.push(f);
    cur = f.fieldKind === "message" ? f.message : undefined;
  }
  return fields;
}

/** Sets a value in the JSON request object under the field's JSON name, dropping any proto-name alias. */
function setJson(root: JsonObject, fields: DescField[], value: JsonValue): void {
  let obj = root;
  fields.forEach((f, i) => {
    const existing = obj[f.jsonName] ?? obj[f.name];
    delete obj[f.name];
    if (i === fields.length - 1) {
      obj[f.jsonName] = value;
      return;
    }
    const next = existing !== null && typeof existing === "object" && !Array.isArray(existing) ? existing : {};
    obj[f.jsonName] = next;
    obj = next;
  });
}

/** Converts a path or query string to the JSON form fromJson expects for the field. */
function textToJson(field: DescField, text: string): JsonValue {
  const isEnum = field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum");
  if (isEnum) return /^-?\d+$/.test(text) ? Number(text) : text;
  const isBool = field.scalar === ScalarType.BOOL ||
    (field.fieldKind === "message" && field.message.typeName === "google.protobuf.BoolValue");
  if (isBool && (text === "true" || text === "false")) return text === "true";
  return text;
}

function buildRequest(b: Binding, body: string | undefined, query: URLSearchParams, vars: MatchedVariable[], reg: Registry) {
  const input = b.method.input;
  let root: JsonObject = {};
  if (b.body !== "all") {
    for (const key of new Set(query.keys())) {
      const fields = resolvePath(input, key);
      if (!fields) continue; // like grpc-gateway, ignore parameters that name no field
      const leaf = fields[fields.length - 1];
      const values = query.getAll(key).map((v) => textToJson(leaf, v));
      setJson(root, fields, leaf.fieldKind === "list" ? values : values[values.length - 1]);
    }
  }
  if (b.body !== "none" && body !== undefined && body.trim() !== "") {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(body) as JsonValue;
    } catch (e) {
      throw new RestError(`invalid JSON body: ${(e as Error).message}`, Code.InvalidArgument);
    }
    if (b.body === "all") {
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new RestError("request body must be a JSON object", Code.InvalidArgument);
      }
      root = parsed;
    } else {
      setJson(root, b.body, parsed);
    }
  }
  for (const v of vars) {
    const fields = resolvePath(input, v.fieldPath)!;
    setJson(root, fields, textToJson(fields[fields.length - 1], v.value));
  }
  try {
    return fromJson(input, root, { registry: reg, ignoreUnknownFields: false });
  } catch (e) {
    throw new RestError((e as Error).message, Code.InvalidArgument);
  }
}

/** The body as checked UTF-8 text, up to `limit` bytes (413 beyond). */
async function readText(req: Req, limit: number): Promise<string> {
  const bytes = await readBody(req, limit).catch(() => {
    throw new RestError("request aborted", Code.Canceled);
  });
  if (!bytes) throw new RestError(`request body larger than ${limit} bytes`, Code.ResourceExhausted, 413);
  return decodeUtf8(bytes);
}

function forwardHeaders(req: Req): Headers {
  const out = new Headers();
  const listed = String(req.headers["connection"] ?? "").toLowerCase().split(",").map((s) => s.trim());
  for (const [name, value] of Object.entries(req.headers)) {
    const key = name.toLowerCase();
    const skip = key.startsWith(":") || key.startsWith("connect-") || hopByHop.has(key) || listed.includes(key);
    if (value !== undefined && !skip) for (const v of Array.isArray(value) ? value : [value]) out.append(key, v);
  }
  return out;
}

/** grpc-gateway honours a `grpc-timeout` header on REST calls; so do we. Whole milliseconds, 0 = already expired. */
function deadlineOf(req: Req): number | undefined {
  const value = req.headers["grpc-timeout"];
  if (value === undefined) return undefined;
  const parsed = parseTimeout(String(value), Number.MAX_SAFE_INTEGER);
  if (parsed.error || parsed.timeoutMs === undefined) throw new RestError(`invalid grpc-timeout header: ${String(value)}`, Code.InvalidArgument);
  return Math.floor(parsed.timeoutMs);
}

function send(req: Req, res: Res, status: number, body: JsonValue, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const h: Record<string, string | number> = { ...headers, "content-type": "application/json" };
  h["content-length"] = Buffer.byteLength(text);
  // the rest of an oversized body is never read, so the HTTP/1.1 connection cannot be reused
  if (status === 413 && req.httpVersionMajor < 2) h["connection"] = "close";
  (res as http.ServerResponse).writeHead(status, h);
  res.end(text);
}

const isUnary = (m: DescMethod): m is DescMethodUnary => m.methodKind === "unary";

function patternOf(rule: HttpRule): { verb: string; path: string } | undefined {
  const p = rule.pattern;
  if (p.case === "custom") return { verb: p.value.kind, path: p.value.path };
  return p.case === undefined ? undefined : { verb: p.case, path: p.value };
}

/**
 * Calls a unary implementation the way connect-node does for the RPC protocols: a handler context, the
 * interceptors in their order around the implementation, its answer normalised to a message. No second
 * router and no in-process client: JSON in, the message to the handler, its message out as JSON.
 */
async function invoke(b: Binding, interceptors: Interceptor[], input: UnaryRequest["message"], call: { req: Req; header: Headers; signal: AbortSignal; timeoutMs?: number; values?: ContextValues }) {
  const { method } = b;
  const context = createHandlerContext({
    service: method.parent,
    method,
    protocolName: "rest",
    requestMethod: call.req.method ?? "GET",
    url: call.req.url ?? "/",
    timeoutMs: call.timeoutMs,
    requestSignal: call.signal,
    requestHeader: call.header,
    contextValues: call.values,
  });
  const handle = async (request: UnaryRequest): Promise<UnaryResponse> => {
    const output = await b.impl(request.message, context);
    const message = isMessage(output, method.output) ? output : create(method.output, output as never);
    return { stream: false, service: method.parent, method, header: context.responseHeader, trailer: context.responseTrailer, message };
  };
  const chain = interceptors.reduceRight((next, interceptor) => interceptor(next as never) as typeof handle, handle);
  try {
    const response = await chain({
      stream: false,
      service: method.parent,
      method,
      requestMethod: context.requestMethod,
      url: context.url,
      signal: context.signal,
      header: context.requestHeader,
      contextValues: context.values,
      message: input,
    });
    return response.message;
  } finally {
    context.abort();
  }
}

/** Returns a node http handler; it answers every request (404/405 when no binding matches). */
export function createRestGateway(o: RestGatewayOptions): RestGatewayHandler {
  const readMaxBytes = o.readMaxBytes ?? 4 * 1024 * 1024;

  const matcher = new PathMatcher<Binding>();
  for (const { service, impl } of o.implementations) {
    const spec = createServiceImplSpec(service, impl as ServiceImpl<typeof service>);
    const prefix = (o.prefixes?.[service.typeName] ?? "").replace(/\/$/, "");
    for (const method of service.methods) {
      if (!isUnary(method) || !hasOption(method, httpOption)) continue; // streaming RPCs are not mapped
      const methodImpl = spec.methods[method.localName].impl as UnaryMethodImpl;
      const rule = getOption(method, httpOption);
      const successCode = getOption(method, zitadelOptions).httpResponse?.successCode || 200;
      for (const r of [rule, ...rule.additionalBindings]) {
        const pattern = patternOf(r);
        if (!pattern) continue;
        const bodyFields = r.body === "" || r.body === "*" ? [] : resolvePath(method.input, r.body);
        const responseField = r.responseBody === "" ? undefined : findField(method.output, r.responseBody);
        const varsOk = parseTemplate(pattern.path).variables.every((v) => resolvePath(method.input, v.fieldPath));
        if (!bodyFields || !varsOk || (r.responseBody !== "" && !responseField)) {
          throw new Error(`${method.parent.typeName}.${method.name}: http rule names an unknown field`);
        }
        const body = r.body === "" ? "none" : r.body === "*" ? "all" : bodyFields;
        matcher.add(pattern.verb, prefix + pattern.path, { method, impl: methodImpl, body, responseField, successCode });
      }
    }
  }

  return async (req: Req, res: Res): Promise<void> => {
    try {
      // split by hand: URL parsing would resolve "//host" and dot segments
      const [path, query = ""] = (req.url ?? "/").split(/\?(.*)/s);
      const found = matcher.match(req.method ?? "GET", path);
      if (found.kind === "not-found") throw new RestError("Not Found", Code.NotFound);
      if (found.kind === "method-not-allowed") {
        const body = restErrorBody(new ConnectError("Method Not Allowed", Code.Unimplemented), o.registry);
        return send(req, res, 405, body, { allow: found.allow.join(", ") });
      }
      const b = found.value;
      const timeoutMs = deadlineOf(req);
      const bodyText = b.body === "none" ? undefined : await readText(req, readMaxBytes);
      const input = buildRequest(b, bodyText, checkedSearchParams(query), found.variables, o.registry);
      const abort = new AbortController();
      res.once("close", () => abort.abort());
      const headers = forwardHeaders(req);
      // The deadline interceptor reads the deadline where the Connect protocol carries it.
      if (timeoutMs !== undefined) headers.set("connect-timeout-ms", String(timeoutMs));
      const values = o.contextValues?.(req as http.IncomingMessage);
      const output = await invoke(b, o.interceptors, input, { req, header: headers, signal: abort.signal, timeoutMs, values });
      const json = toJson(b.method.output, output, { registry: o.registry, alwaysEmitImplicit: false });
      send(req, res, b.successCode, b.responseField ? ((json as JsonObject)[b.responseField.jsonName] ?? null) : json);
    } catch (thrown) {
      // only the path matcher decodes URIs here; errors of the call itself arrive as ConnectError
      const e = thrown instanceof URIError ? new RestError("malformed percent-encoding in path", Code.InvalidArgument) : thrown;
      const err = e instanceof RestError ? new ConnectError(e.message, e.code) : e instanceof DomainError ? refusal(e) : ConnectError.from(e);
      const status = e instanceof RestError ? e.status : connectCodeToHttpStatus(err.code);
      if (res.headersSent) return void res.end();
      try {
        send(req, res, status, restErrorBody(err, o.registry));
      } catch {
        res.destroy();
      }
    }
  };
}

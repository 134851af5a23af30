import { getOption, hasOption } from "@bufbuild/protobuf";
import type { DescField, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { http as httpOption } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { options as zitadelOptions } from "../../gen/lifecycle/auth/v1/options_pb.js";
import { parseTemplate } from "./path-template.js";
import { type Schema, SchemaSet, scalarSchema, wellKnownSchema } from "./openapi-schemas.js";

/**
 * OpenAPI 3.1 for the REST surface, derived from the same google.api.http bindings the gateway routes by
 * (src/gateway/rest-gateway.ts), so the document cannot describe a route the gateway does not serve.
 */
export interface OpenApiInput {
  services: readonly DescService[];
  /** service typeName -> path prefix, as given to the gateway */
  prefixes: Record<string, string>;
  /** A hand-written document (the /v1/users surface) whose paths and components join this one. */
  merge?: { paths: Record<string, unknown>; components?: Record<string, Record<string, unknown>>; tags?: unknown[] };
}

type Doc = Record<string, any>;

// Management v1 resolves "my org" from this header, as ZITADEL does.
const ORG_CONTEXT_SERVICES = new Set(["zitadel.management.v1.ManagementService"]);
const QUERY_DEPTH = 3;

function patternOf(rule: HttpRule): { verb: string; path: string } | undefined {
  const p = rule.pattern;
  if (p.case === "custom") return { verb: p.value.kind.toLowerCase(), path: p.value.path };
  return p.case === undefined ? undefined : { verb: p.case, path: p.value };
}

function fieldAt(message: DescMessage, path: string): DescField {
  let current: DescMessage | undefined = message;
  let field: DescField | undefined;
  for (const name of path.split(".")) {
    field = current?.fields.find((f) => f.name === name || f.jsonName === name);
    if (!field) throw new Error(`${message.typeName}: no field ${path}`);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field!;
}

/** `/v2/users/{user_id=*}` → `/v2/users/{user_id}` plus the variables' field paths, in order. */
function openApiPath(template: string): { path: string; variables: string[] } {
  const parsed = parseTemplate(template);
  return { path: template.replace(/\{([^}=]+)(=[^}]*)?\}/g, "{$1}"), variables: parsed.variables.map((v) => v.fieldPath) };
}

/** grpc-gateway style query parameters: every scalar-ish field not bound by the path or the body, dotted for nested messages. */
function queryParameters(set: SchemaSet, message: DescMessage, bound: Set<string>, prefix = { proto: "", json: "" }, seen = new Set<string>()): Schema[] {
  const out: Schema[] = [];
  for (const field of message.fields) {
    const path = { proto: prefix.proto + field.name, json: prefix.json + field.jsonName };
    if (bound.has(path.proto)) continue;
    const nested = field.fieldKind === "message" ? field.message : undefined;
    if (nested && !wellKnownSchema(nested)) {
      if (seen.size + 1 < QUERY_DEPTH && !seen.has(nested.typeName)) {
        out.push(...queryParameters(set, nested, bound, { proto: `${path.proto}.`, json: `${path.json}.` }, new Set([...seen, message.typeName])));
      }
      continue;
    }
    if (field.fieldKind === "map" || (field.fieldKind === "list" && field.listKind === "message")) continue;
    const param: Schema = { name: path.json, in: "query", required: false, schema: set.field(field) };
    if (field.fieldKind === "list") Object.assign(param, { style: "form", explode: true });
    out.push(param);
  }
  return out;
}

function requestBody(set: SchemaSet, method: DescMethod, body: string): Schema | undefined {
  if (body === "") return undefined;
  const schema = body === "*" ? set.message(method.input) : set.field(fieldAt(method.input, body));
  return { required: true, content: { "application/json": { schema } } };
}

function describe(method: DescMethod): string {
  const auth = getOption(method, zitadelOptions).authOption;
  const scope = auth?.scope ? ` (${auth.scope} level)` : "";
  const self = auth?.allowSelf ? "; a user may call it on itself without it" : "";
  return `\`${method.parent.typeName}/${method.name}\` over REST. Permission: \`${auth?.permission ?? "none declared (refused)"}\`${scope}${self}.`;
}

function operation(set: SchemaSet, method: DescMethod, rule: HttpRule, index: number, variables: string[]): Doc {
  const successCode = getOption(method, zitadelOptions).httpResponse?.successCode || 200;
  const parameters: Schema[] = variables.map((v) => ({ name: v, in: "path", required: true, schema: set.field(fieldAt(method.input, v)) }));
  const bound = new Set(variables);
  if (rule.body !== "*") {
    if (rule.body !== "") bound.add(rule.body);
    parameters.push(...queryParameters(set, method.input, bound));
  }
  if (ORG_CONTEXT_SERVICES.has(method.parent.typeName)) {
    parameters.push({ $ref: "#/components/parameters/OrgContext" });
  }
  const output = rule.responseBody === "" ? set.message(method.output) : set.field(fieldAt(method.output, rule.responseBody));
  const op: Doc = {
    operationId: `${method.parent.typeName}.${method.name}${index > 0 ? `.${index + 1}` : ""}`,
    summary: method.name,
    description: describe(method),
    tags: [method.parent.typeName],
    parameters,
    responses: {
      [String(successCode)]: { description: successCode === 201 ? "Created" : "OK", content: { "application/json": { schema: output } } },
      default: { $ref: "#/components/responses/Error" },
    },
  };
  if (parameters.length === 0) delete op.parameters;
  const bodySpec = requestBody(set, method, rule.body);
  if (bodySpec) op.requestBody = bodySpec;
  return op;
}

function errorComponents(): Doc {
  return {
    schemas: {
      "grpc-gateway.Status": {
        type: "object",
        title: "grpc-gateway error body",
        description: "The gRPC status as grpc-gateway renders it; the HTTP status follows grpc-gateway's mapping of `code`.",
        required: ["code", "message", "details"],
        properties: {
          code: { type: "integer", format: "int32", description: "gRPC status code (e.g. 5 = NOT_FOUND, 9 = FAILED_PRECONDITION)" },
          message: { type: "string", description: "ends with the stable reason id in parentheses, e.g. (USER-already-inactive)" },
          details: { type: "array", items: wellKnownSchema({ typeName: "google.protobuf.Any", name: "Any" } as DescMessage) },
        },
      },
    },
    responses: {
      Error: { description: "Any failure: 400, 401, 403, 404, 409, 429, 499, 501, 503, 504 or 500", content: { "application/json": { schema: { $ref: "#/components/schemas/grpc-gateway.Status" } } } },
    },
    parameters: {
      OrgContext: { name: "x-zitadel-orgid", in: "header", required: false, description: "the organization \"me\" refers to; default: the caller's own", schema: { type: "string" } },
    },
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "a personal access token or a session token" } },
  };
}

/** Builds the document; deterministic (services, methods and bindings in declaration order). */
export function generateOpenApi(input: OpenApiInput): Doc {
  const set = new SchemaSet();
  const paths: Record<string, Doc> = {};
  for (const service of input.services) {
    const prefix = (input.prefixes[service.typeName] ?? "").replace(/\/$/, "");
    for (const method of service.methods) {
      if (method.methodKind !== "unary" || !hasOption(method, httpOption)) continue; // as the gateway: streaming RPCs are not mapped
      const rule = getOption(method, httpOption);
      [rule, ...rule.additionalBindings].forEach((r, index) => {
        const pattern = patternOf(r);
        if (!pattern) return;
        const { path, variables } = openApiPath(prefix + pattern.path);
        paths[path] ??= {};
        if (paths[path][pattern.verb]) throw new Error(`${pattern.verb.toUpperCase()} ${path} is bound twice`);
        paths[path][pattern.verb] = operation(set, method, r, index, variables);
      });
    }
  }
  const components = errorComponents();
  components.schemas = { ...components.schemas, ...Object.fromEntries(Object.entries(set.schemas).sort(([a], [b]) => a.localeCompare(b))) };
  const tags: unknown[] = input.services.filter((s) => s.methods.some((m) => hasOption(m, httpOption))).map((s) => ({ name: s.typeName }));
  if (input.merge) {
    for (const [path, item] of Object.entries(input.merge.paths)) {
      if (paths[path]) throw new Error(`merged document redefines ${path}`);
      paths[path] = item as Doc;
    }
    for (const [kind, entries] of Object.entries(input.merge.components ?? {})) {
      components[kind] ??= {};
      for (const [name, value] of Object.entries(entries)) {
        if (components[kind][name]) throw new Error(`merged document redefines components.${kind}.${name}`);
        components[kind][name] = value;
      }
    }
    tags.push(...(input.merge.tags ?? []));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "zitadel-lifecycle REST API",
      version: "1",
      description: "Generated by `npm run openapi` from the protos' google.api.http bindings (the same ones the REST gateway routes by), plus the /v1/users surface (openapi/v1-users.json). Field names are proto3 JSON (lowerCamel; the proto names are accepted too), 64-bit integers are strings, enums are names. Do not edit by hand.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    tags,
    paths,
    components,
  };
}

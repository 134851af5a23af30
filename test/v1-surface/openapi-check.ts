import { readFileSync } from "node:fs";

/** The OpenAPI document in the repository, as the server serves it. */
export const openApi = JSON.parse(readFileSync(new URL("../../openapi/v1-users.json", import.meta.url), "utf8"));

export interface Observed {
  method: string;
  path: string;
  status: number;
  body: unknown;
  headers: Headers;
}

/** The documented path template a concrete path falls under, if any. */
export function documentedTemplate(path: string): string | undefined {
  const segments = path.split("?")[0].split("/");
  return Object.keys(openApi.paths).find((template) => {
    const parts = template.split("/");
    return parts.length === segments.length && parts.every((p, i) => p.startsWith("{") || p === segments[i]);
  });
}

function resolve(schema: any): any {
  if (!schema?.$ref) return schema;
  return (schema.$ref as string).split("/").slice(1).reduce((node: any, key: string) => node[key], openApi);
}

/** Checks a value against the subset of JSON Schema the document uses; returns the problems found. */
export function schemaProblems(schemaOrRef: any, value: unknown, at = "$"): string[] {
  const schema = resolve(schemaOrRef);
  if (!schema) return [];
  const problems: string[] = [];
  const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  const expected = schema.type === "integer" ? "number" : schema.type;
  if (expected && expected !== type) return [`${at}: expected ${schema.type}, got ${type}`];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in ${schema.enum}`);
  if (type === "object") {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) problems.push(`${at}.${name}: missing`);
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (name in object) problems.push(...schemaProblems(sub, object[name], `${at}.${name}`));
    }
  }
  if (type === "array") (value as unknown[]).forEach((item, i) => problems.push(...schemaProblems(schema.items, item, `${at}[${i}]`)));
  return problems;
}

/** What a response contradicts in the document: an undocumented status, a body or header not as described. */
export function responseProblems(o: Observed): string[] {
  const template = documentedTemplate(o.path);
  const operation = template ? openApi.paths[template][o.method.toLowerCase()] : undefined;
  const where = `${o.method} ${o.path} → ${o.status}`;
  if (!operation) return o.status === 404 || o.status === 405 ? [] : [`${where}: not a documented operation`];
  const response = resolve(operation.responses[String(o.status)]);
  if (!response) return [`${where}: status not documented`];
  const problems: string[] = [];
  const schema = response.content?.["application/json"]?.schema;
  if (schema) problems.push(...schemaProblems(schema, o.body).map((p) => `${where}: ${p}`));
  else if (o.body !== undefined) problems.push(`${where}: documented without a body, but has one`);
  for (const name of Object.keys(response.headers ?? {})) {
    const required = name.toLowerCase() === "retry-after";
    if (required && !o.headers.get(name)) problems.push(`${where}: header ${name} missing`);
  }
  return problems;
}

/**
 * google.api.http path templates:
 *   Template = "/" Segments [ ":" Verb ]; Segment = "*" | "**" | LITERAL | "{" FieldPath [ "=" Segments ] "}"
 */

type Segment = { kind: "literal"; value: string } | { kind: "wildcard" } | { kind: "deep" };

export interface TemplateVariable {
  /** Dotted proto field path, e.g. "user_id" or "org.id". */
  fieldPath: string;
  /** Template segments [start, end) the variable covers. */
  start: number;
  end: number;
}

export interface PathTemplate {
  source: string;
  segments: Segment[];
  variables: TemplateVariable[];
  verb: string | undefined;
}

export interface MatchedVariable {
  fieldPath: string;
  value: string;
}

const fieldPathRe = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function parseSegment(token: string, source: string): Segment {
  if (token === "*") return { kind: "wildcard" };
  if (token === "**") return { kind: "deep" };
  if (token === "" || /[{}=*]/.test(token)) throw new Error(`invalid segment "${token}" in path template ${source}`);
  return { kind: "literal", value: token };
}

/** Splits at `sep` outside of braces. */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "{") depth++;
    else if (s[i] === "}") depth--;
    else if (s[i] === sep && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

export function parseTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) throw new Error(`path template must start with "/": ${source}`);
  const [path, verb, ...rest] = splitTop(source.slice(1), ":");
  if (rest.length > 0 || verb === "") throw new Error(`invalid verb in path template ${source}`);
  const segments: Segment[] = [];
  const variables: TemplateVariable[] = [];
  for (const token of splitTop(path, "/")) {
    if (!token.startsWith("{")) {
      segments.push(parseSegment(token, source));
      continue;
    }
    if (!token.endsWith("}")) throw new Error(`unterminated variable in path template ${source}`);
    const inner = token.slice(1, -1);
    const eq = inner.indexOf("=");
    const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
    if (!fieldPathRe.test(fieldPath)) throw new Error(`invalid field path "${fieldPath}" in path template ${source}`);
    const start = segments.length;
    const sub = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
    for (const s of sub) segments.push(parseSegment(s, source));
    variables.push({ fieldPath, start, end: segments.length });
  }
  if (segments.filter((s) => s.kind === "deep").length > 1) throw new Error(`more than one "**" in path template ${source}`);
  return { source, segments, variables, verb };
}

/** Splits a request path (without query) into percent-decoded segments; throws URIError on bad encoding. */
export function splitPath(path: string): string[] {
  return path.replace(/^\//, "").split("/").map((s) => decodeURIComponent(s));
}

/**
 * Matches a raw (still percent-encoded) request path. Returns the variables, or undefined.
 * Throws URIError for malformed percent-encoding.
 */
export function matchTemplate(t: PathTemplate, rawPath: string): MatchedVariable[] | undefined {
  let path = rawPath;
  if (t.verb !== undefined) {
    if (!path.endsWith(":" + t.verb)) return undefined;
    path = path.slice(0, -(t.verb.length + 1));
  }
  const parts = splitPath(path);
  const deepAt = t.segments.findIndex((s) => s.kind === "deep");
  const fixed = t.segments.length - (deepAt < 0 ? 0 : 1);
  if (deepAt < 0 ? parts.length !== fixed : parts.length < fixed) return undefined;
  const deepLen = parts.length - fixed;
  // [from, to) range of path parts covered by template segment i
  const range = (i: number): [number, number] => {
    if (deepAt < 0 || i < deepAt) return [i, i + 1];
    if (i === deepAt) return [i, i + deepLen];
    return [i + deepLen - 1, i + deepLen];
  };
  for (let i = 0; i < t.segments.length; i++) {
    const seg = t.segments[i];
    if (seg.kind === "literal" && parts[range(i)[0]] !== seg.value) return undefined;
  }
  return t.variables.map((v) => ({
    fieldPath: v.fieldPath,
    value: parts.slice(range(v.start)[0], range(v.end - 1)[1]).join("/"),
  }));
}

/** Higher is more specific: literal segments first, then fewer "**", then a verb. */
function specificity(t: PathTemplate): number[] {
  const literals = t.segments.filter((s) => s.kind === "literal").length;
  const deep = t.segments.some((s) => s.kind === "deep") ? 0 : 1;
  return [literals, deep, t.verb === undefined ? 0 : 1, t.segments.length];
}

function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  const sa = specificity(a);
  const sb = specificity(b);
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sb[i] - sa[i];
  return 0;
}

export type MatchResult<T> =
  | { kind: "found"; value: T; variables: MatchedVariable[] }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

interface Route<T> {
  httpMethod: string;
  template: PathTemplate;
  value: T;
}

/** A route table of (HTTP method, template) -> value. */
export class PathMatcher<T> {
  private routes: Route<T>[] = [];

  add(httpMethod: string, template: string, value: T): void {
    const route = { httpMethod: httpMethod.toUpperCase(), template: parseTemplate(template), value };
    // stable insert keeps the first-added route among equally specific ones
    const at = this.routes.findIndex((r) => compareSpecificity(route.template, r.template) < 0);
    this.routes.splice(at < 0 ? this.routes.length : at, 0, route);
  }

  match(httpMethod: string, rawPath: string): MatchResult<T> {
    const method = httpMethod.toUpperCase();
    const allow = new Set<string>();
    for (const r of this.routes) {
      const variables = matchTemplate(r.template, rawPath);
      if (!variables) continue;
      if (r.httpMethod === method) return { kind: "found", value: r.value, variables };
      allow.add(r.httpMethod);
    }
    return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow].sort() } : { kind: "not-found" };
  }
}

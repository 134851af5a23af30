import { invalidFilter } from "./errors.js";

/** RFC 7644 §3.4.2.2 filters, parsed once and then read either as SQL (listing) or in memory (PATCH paths). */
export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type Filter =
  | { kind: "compare"; attr: string; op: CompareOp; value: string | number | boolean | null }
  | { kind: "present"; attr: string }
  | { kind: "and" | "or"; left: Filter; right: Filter }
  | { kind: "not"; filter: Filter }
  /** `emails[type eq "work"]`: the inner filter applies to one element of a multi-valued attribute. */
  | { kind: "valuePath"; attr: string; filter: Filter };

const COMPARE_OPS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const CORE_PREFIX = "urn:ietf:params:scim:schemas:core:2.0:user:";
export const MAX_FILTER_LENGTH = 2048;
const MAX_DEPTH = 32;

/** An attribute path in lower case without the core schema's URN: `name.givenname`, `emails.value`. */
export function normalizeAttr(path: string): string {
  const lower = path.toLowerCase();
  return lower.startsWith(CORE_PREFIX) ? lower.slice(CORE_PREFIX.length) : lower;
}

type Token = { kind: "word" | "string" | "punct"; text: string; value?: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
    else if ("()[]".includes(c)) tokens.push({ kind: "punct", text: input[i++] });
    else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === "\\" ? 2 : 1;
      if (j >= input.length) throw invalidFilter("Unterminated string in filter");
      const text = input.slice(i, j + 1);
      let value: string;
      try {
        value = JSON.parse(text) as string;
      } catch {
        throw invalidFilter(`Invalid string ${text} in filter`);
      }
      tokens.push({ kind: "string", text, value });
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !" \t\n\r()[]\"".includes(input[j])) j++;
      tokens.push({ kind: "word", text: input.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

const ATTR = /^[A-Za-z][\w$-]*(?::[\w$.-]+)*(?:\.[A-Za-z][\w$-]*)?$/;

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private next(what: string): Token {
    const token = this.tokens[this.i++];
    if (!token) throw invalidFilter(`Filter ends early: expected ${what}`);
    return token;
  }
  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.kind === "word" && token.text.toLowerCase() === word;
  }
  private expect(text: string): void {
    const token = this.next(`"${text}"`);
    if (token.text !== text || token.kind !== "punct") throw invalidFilter(`Expected "${text}" in filter, found "${token.text}"`);
  }

  parse(): Filter {
    const filter = this.or(0);
    const rest = this.peek();
    if (rest) throw invalidFilter(`Unexpected "${rest.text}" in filter`);
    return filter;
  }

  private or(depth: number): Filter {
    if (depth > MAX_DEPTH) throw invalidFilter("Filter is nested too deeply");
    let left = this.and(depth);
    while (this.isWord("or")) {
      this.i++;
      left = { kind: "or", left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): Filter {
    let left = this.factor(depth);
    while (this.isWord("and")) {
      this.i++;
      left = { kind: "and", left, right: this.factor(depth) };
    }
    return left;
  }

  private factor(depth: number): Filter {
    if (this.isWord("not")) {
      this.i++;
      this.expect("(");
      const filter = this.or(depth + 1);
      this.expect(")");
      return { kind: "not", filter };
    }
    const token = this.next("an attribute or (");
    if (token.kind === "punct" && token.text === "(") {
      const filter = this.or(depth + 1);
      this.expect(")");
      return filter;
    }
    if (token.kind !== "word" || !ATTR.test(token.text)) throw invalidFilter(`Expected an attribute in filter, found "${token.text}"`);
    const attr = normalizeAttr(token.text);
    if (this.peek()?.text === "[" && this.peek()?.kind === "punct") {
      this.i++;
      const filter = this.or(depth + 1);
      this.expect("]");
      return { kind: "valuePath", attr, filter };
    }
    const op = this.next("an operator").text.toLowerCase();
    if (op === "pr") return { kind: "present", attr };
    if (!COMPARE_OPS.has(op)) throw invalidFilter(`Unknown operator "${op}" in filter`);
    return { kind: "compare", attr, op: op as CompareOp, value: this.value() };
  }

  private value(): string | number | boolean | null {
    const token = this.next("a value");
    if (token.kind === "string") return token.value as string;
    const word = token.text.toLowerCase();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    if (token.kind === "word" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token.text)) return Number(token.text);
    throw invalidFilter(`Invalid value "${token.text}" in filter`);
  }
}

/** Parses a filter expression; throws `invalidFilter` (400) with what was wrong. */
export function parseFilter(input: string): Filter {
  if (input.length > MAX_FILTER_LENGTH) throw invalidFilter(`Filter longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(input);
  if (tokens.length === 0) throw invalidFilter("Filter is empty");
  return new Parser(tokens).parse();
}


/** Evaluates a filter against one element of a multi-valued attribute (`emails[type eq "work"]`), case-insensitively. */
export function matchesElement(filter: Filter, element: Record<string, unknown>): boolean {
  const get = (attr: string) => Object.entries(element).find(([k]) => k.toLowerCase() === attr)?.[1];
  switch (filter.kind) {
    case "and":
      return matchesElement(filter.left, element) && matchesElement(filter.right, element);
    case "or":
      return matchesElement(filter.left, element) || matchesElement(filter.right, element);
    case "not":
      return !matchesElement(filter.filter, element);
    case "present": {
      const v = get(filter.attr);
      return v !== undefined && v !== null && v !== "";
    }
    case "valuePath":
      throw invalidFilter("Nested value filters are not supported");
    case "compare": {
      const actual = get(filter.attr);
      const a = typeof actual === "string" ? actual.toLowerCase() : actual;
      const b = typeof filter.value === "string" ? filter.value.toLowerCase() : filter.value;
      switch (filter.op) {
        case "eq":
          return a === b || (a === undefined && b === null);
        case "ne":
          return !(a === b || (a === undefined && b === null));
        case "co":
          return typeof a === "string" && typeof b === "string" && a.includes(b);
        case "sw":
          return typeof a === "string" && typeof b === "string" && a.startsWith(b);
        case "ew":
          return typeof a === "string" && typeof b === "string" && a.endsWith(b);
        default:
          throw invalidFilter(`Operator ${filter.op} is not supported here`);
      }
    }
  }
}

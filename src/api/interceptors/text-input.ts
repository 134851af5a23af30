import type { Interceptor } from "@connectrpc/connect";
import { type DomainError, invalidArgument } from "../../domain/errors.js";

// The one input check of every surface (RPC and the REST gateway through the interceptor below; /v1,
// SCIM and the events API call the same functions at their entry). PostgreSQL text cannot hold U+0000,
// a lone UTF-16 surrogate has no UTF-8 form (pg refuses it as an "unsupported Unicode escape"), and bytes
// that are not UTF-8 would be stored as U+FFFD: each would fail deep in a query as an internal error, or
// store something the client never sent. Refused at the edge instead, before any database round trip.

declare global {
  interface String {
    /** ES2024, in Node since 20: false when the string holds a lone surrogate. */
    isWellFormed(): boolean;
  }
}

export const nulCharacter = () => invalidArgument("INPUT-nul-character", "Text must not contain the NUL character (U+0000)");
export const invalidUnicode = () => invalidArgument("INPUT-invalid-unicode", "Text must be valid Unicode (a lone UTF-16 surrogate is not)");
export const invalidUtf8 = () => invalidArgument("INPUT-invalid-utf8", "The request must be valid UTF-8");

/** The refusal for one string, undefined when it is fine. Two native scans; no allocation. */
export function textProblem(text: string): DomainError | undefined {
  if (text.includes("\u0000")) return nulCharacter();
  if (!text.isWellFormed()) return invalidUnicode();
  return undefined;
}

/** Throws the refusal for the first bad string in `value`, at any depth. Bytes (Uint8Array) are not text. */
export function checkText(value: unknown, depth = 0): void {
  if (typeof value === "string") {
    const problem = textProblem(value);
    if (problem) throw problem;
    return;
  }
  if (value === null || typeof value !== "object" || value instanceof Uint8Array || depth > 64) return;
  if (Array.isArray(value)) {
    for (const item of value) checkText(item, depth + 1);
    return;
  }
  for (const key in value) {
    checkText(key, depth + 1);
    checkText((value as Record<string, unknown>)[key], depth + 1);
  }
}

const fatal = new TextDecoder("utf-8", { fatal: true });

/** Bytes as text, refusing what is not UTF-8 (instead of the U+FFFD a lenient decode would store). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return fatal.decode(bytes);
  } catch {
    throw invalidUtf8();
  }
}

/**
 * The same strict decode for connect-es's JSON parsing (its `textDecoder` option): a Connect JSON body that
 * is not UTF-8 is refused as InvalidArgument, by the decode that runs anyway, not by a second pass.
 */
export const strictTextDecoder = { decode: (bytes: Uint8Array) => decodeUtf8(bytes) };

/** A header value the server reads as text: node hands bytes over as latin1, so anything above ASCII must be UTF-8. */
export function checkHeaderText(value: string | null | undefined): void {
  if (!value) return;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(value)) decodeUtf8(Buffer.from(value, "latin1"));
  checkText(value);
}

/** A percent-encoded path segment as checked text; undefined when its percent-encoding is malformed. */
export function decodePathSegment(raw: string): string | undefined {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // decodeURIComponent refuses both: bad "%" syntax, and escapes that are not UTF-8 (which is the client's text)
    if (/%(?![0-9a-f]{2})/i.test(raw)) return undefined;
    throw invalidUtf8();
  }
  checkText(text);
  return text;
}

/**
 * A query string as URLSearchParams, checked: URLSearchParams alone turns escapes that are not UTF-8 into
 * U+FFFD. Decoded once here for the check; small by nature.
 */
export function checkedSearchParams(query: string): URLSearchParams {
  if (query.includes("%")) {
    for (const part of query.split("&")) {
      for (const piece of part.split("=")) {
        try {
          decodeURIComponent(piece.replace(/\+/g, " "));
        } catch {
          if (!/%(?![0-9a-f]{2})/i.test(piece)) throw invalidUtf8();
        }
      }
    }
  }
  const params = new URLSearchParams(query);
  for (const [key, value] of params) {
    checkText(key);
    checkText(value);
  }
  return params;
}

/**
 * Every request message (unary and server-streaming requests alike), and the text headers an RPC reads,
 * checked before the handler runs. Binary protobuf strings are UTF-8-checked by the decoder already.
 */
export function textInputInterceptor(): Interceptor {
  return (next) => async (req) => {
    checkHeaderText(req.header.get("x-zitadel-orgid"));
    if (!req.stream) {
      checkText(req.message);
      return next(req);
    }
    // A server stream's request comes as a stream of one: each message is checked as the handler reads it.
    return next({ ...req, message: checked(req.message) });
  };
}

async function* checked<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  for await (const message of messages) {
    checkText(message);
    yield message;
  }
}

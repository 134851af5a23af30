import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument } from "../../domain/errors.js";

/** True when any string in the message, at any depth, holds U+0000. Bytes fields (Uint8Array) are not text. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object" || value instanceof Uint8Array || depth > 64) return false;
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.some((v) => hasNul(v, depth + 1));
}

/**
 * PostgreSQL text cannot hold U+0000, so a NUL in any request string would fail deep in a query as an
 * internal error. Refuse it at the edge, for every method, before it costs a database round trip.
 */
export function textInputInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!req.stream && hasNul(req.message)) {
      throw invalidArgument("INPUT-nul-character", "Text must not contain the NUL character (U+0000)");
    }
    return next(req);
  };
}

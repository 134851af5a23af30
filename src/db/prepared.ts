import { createHash } from "node:crypto";

/**
 * Plan once: a query whose SQL text has been seen `threshold` times is sent as a named prepared statement
 * (name = hash of the text), so each connection parses and plans it once instead of on every call (the
 * token lookup spent 0.35–0.7 ms planning for 0.08 ms executing).
 *
 * Bounded without DEALLOCATE: texts that vary per call (IN-lists, multi-row inserts of varying count) are
 * mostly seen too rarely to pass the threshold, and each connection prepares at most `perConnection`
 * statements, after which further texts run unnamed as before. An LRU with DEALLOCATE would cost an extra
 * round trip and reach into `pg`'s private statement cache; a hard cap costs neither, and the hot set of
 * this service (a few dozen texts) fits well below it.
 */
export interface PreparedOptions {
  /** how often a text must have been seen before it is prepared */
  threshold?: number;
  /** at most this many prepared statements per connection */
  perConnection?: number;
}

const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
// The counters themselves are bounded: when they fill up, counting starts over.
const MAX_COUNTED_TEXTS = 5_000;

/**
 * Names the statements worth preparing. Returns, for a query text about to run on a connection (whose
 * already-prepared names are `onConnection`), the name to prepare or reuse it under, or undefined to run it
 * unnamed.
 */
export function statementNamer(options: PreparedOptions = {}): (text: string, onConnection: Set<string>) => string | undefined {
  const threshold = options.threshold ?? 3;
  const perConnection = options.perConnection ?? 200;
  const seen = new Map<string, { count: number; name: string | undefined }>();

  const nameFor = (text: string): string | undefined => {
    let entry = seen.get(text);
    if (!entry) {
      if (seen.size >= MAX_COUNTED_TEXTS) seen.clear();
      entry = { count: 0, name: undefined };
      seen.set(text, entry);
    }
    if (entry.name) return entry.name;
    if (++entry.count < threshold || !PREPARABLE.test(text)) return undefined;
    entry.name = `q_${createHash("sha1").update(text).digest("base64url")}`;
    return entry.name;
  };

  return (text, onConnection) => {
    const name = nameFor(text);
    if (!name || (!onConnection.has(name) && onConnection.size >= perConnection)) return undefined;
    onConnection.add(name);
    return name;
  };
}

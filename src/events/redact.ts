/**
 * Payload fields whose name says they hold a secret or a derivative of one (password, token, key and
 * one-time code hashes). Matched by name, not by a list of event types, so a new event with a `…Hash`
 * field is redacted without anyone remembering; test/events/redaction.test.ts enumerates every event
 * type the domain declares and checks that nothing secret survives.
 */
export const SECRET_FIELD = /hash|secret|code|password$/i;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A deep copy of the payload without secret fields, at any depth. */
export function redact(value: unknown): Json {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [key, v] of Object.entries(value)) {
      if (v !== undefined && !SECRET_FIELD.test(key)) out[key] = redact(v);
    }
    return out;
  }
  return value as Json;
}

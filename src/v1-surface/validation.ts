/** One entry of the 400 body's `syntaxErrors.invalidFields` (error names from the seed's enum). */
export interface InvalidField {
  fieldName: string;
  error: "REQUIRED" | "HAS_TEXT" | "SIZE" | "REGEX";
  params: string[];
}

// Ids are decimal strings in practice; letters, `_` and `-` admit custom ids without admitting path tricks.
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const USER_ID_MAX = 200;
// Printable ASCII: what any client can put into a header unchanged.
export const IDEMPOTENCY_REF_PATTERN = /^[\x20-\x7e]+$/;
export const IDEMPOTENCY_REF_MAX = 255;

function checkText(fieldName: string, value: string, max: number, pattern: RegExp): InvalidField | undefined {
  if (value.trim().length === 0) return { fieldName, error: "HAS_TEXT", params: [] };
  if (value.length > max) return { fieldName, error: "SIZE", params: ["1", String(max)] };
  if (!pattern.test(value)) return { fieldName, error: "REGEX", params: [pattern.source] };
  return undefined;
}

/** Percent-decodes a path segment; malformed encoding becomes a value the id pattern refuses (REGEX). */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return "\u0000";
  }
}

/** Checks the (decoded) user_id path parameter and the optional idempotency-ref header. */
export function validateRequest(userId: string, ref: string | undefined): InvalidField[] {
  const invalid = [checkText("user_id", userId, USER_ID_MAX, USER_ID_PATTERN)];
  if (ref !== undefined) invalid.push(checkText("idempotency-ref", ref, IDEMPOTENCY_REF_MAX, IDEMPOTENCY_REF_PATTERN));
  return invalid.filter((field): field is InvalidField => field !== undefined);
}

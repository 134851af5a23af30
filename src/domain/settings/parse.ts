import { invalidArgument } from "../errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "15m", "1h30m", "90s", "250ms" → milliseconds; a bare number is seconds. Empty → undefined. */
export function parseDuration(text: string | undefined): number | undefined {
  const value = (text ?? "").trim();
  if (value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
    throw invalidArgument("CONFIG-duration-invalid", `"${value}" is not a duration like 15m or 1h30m`);
  }
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNITS[unit], 0);
}

/** "3" → 3; empty → undefined; anything but a non-negative integer is refused. */
export function parseCount(text: string | undefined): number | undefined {
  const value = (text ?? "").trim();
  if (value === "") return undefined;
  if (!/^\d+$/.test(value)) throw invalidArgument("CONFIG-count-invalid", `"${value}" is not a non-negative integer`);
  return Number(value);
}

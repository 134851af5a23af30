import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { checkPasswordComplexity } from "../domain/user/password-policy.js";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

// scrypt N=2^15, r=8, p=1: 32 MiB and ~0.1 s per hash on this machine's class, the OWASP baseline.
const N = 32768;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEM = 64 * 1024 * 1024;

/**
 * A self-describing hash: "scrypt$N$r$p$salt$hash" (base64url). Only passwords that meet the complexity
 * policy are hashed, so every path that accepts a new password enforces it (InvalidArgument naming the rule).
 */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordComplexity(password);
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: MAX_MEM });
  return ["scrypt", N, R, P, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

/** A hash of our own scheme and cost that no password matches (its stored value is all zeros). */
export const UNMATCHABLE_HASH = ["scrypt", N, R, P, Buffer.alloc(16, 1).toString("base64url"), Buffer.alloc(KEY_LENGTH).toString("base64url")].join("$");

/** Whether `verifyPassword` can judge this hash at all (imported hashes of other schemes cannot be checked). */
export function isVerifiableHash(encoded: string): boolean {
  const [scheme, n, r, p, salt, hash] = encoded.split("$");
  if (scheme !== "scrypt" || !salt || !hash || ![n, r, p].every((v) => /^\d+$/.test(v ?? ""))) return false;
  // An imported hash must not make a login cost more memory or time than our own hashes may.
  const cost = Number(n);
  const powerOfTwo = cost > 1 && (cost & (cost - 1)) === 0;
  return powerOfTwo && 128 * cost * Number(r) <= MAX_MEM / 2 && Number(p) >= 1 && Number(p) <= 4;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (!isVerifiableHash(encoded)) return false;
  const [, n, r, p, salt, hash] = encoded.split("$");
  const expected = Buffer.from(hash, "base64url");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAX_MEM,
  });
  return timingSafeEqual(actual, expected);
}

/**
 * Checks one password against whatever hash a command attempt finds. A command re-runs on a version
 * conflict; the slow hash is computed again only if the stored hash changed in between.
 */
export function passwordVerifier(password: string): (encoded: string) => Promise<boolean> {
  const results = new Map<string, Promise<boolean>>();
  return (encoded) => {
    let result = results.get(encoded);
    if (!result) results.set(encoded, (result = verifyPassword(password, encoded)));
    return result;
  };
}

import type { ScimAttributes } from "../domain/user/events.js";
import type { UserRow } from "../projections/users/queries.js";
import { invalidSyntax, invalidValue, mutability } from "./errors.js";

/** A SCIM User as a client sent it (POST, PUT, or a PATCH applied to the current resource), in this server's terms. */
export interface UserInput {
  id?: string;
  userName?: string;
  externalId: string | null;
  givenName?: string;
  familyName?: string;
  displayName: string | null;
  nickName: string | null;
  preferredLanguage: string | null;
  email?: string;
  phone: string | null;
  active?: boolean;
  password?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Attribute names are case-insensitive (RFC 7643 §2.1). */
export function field(obj: Json, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(obj)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function text(obj: Json, name: string, label = name): string | null | undefined {
  const value = field(obj, name);
  if (value === undefined || value === null) return value;
  if (typeof value !== "string") throw invalidValue(`${label} must be a string`);
  return value;
}

/** IdPs send booleans as JSON booleans (Okta) or as "True"/"False" strings (Entra ID). */
export function booleanOf(value: unknown, label: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw invalidValue(`${label} must be true or false`);
}

/** One value of a multi-valued attribute: this server stores one address and one phone number per user. */
function single(obj: Json, name: string): string | undefined {
  const list = field(obj, name);
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw invalidValue(`${name} must be an array`);
  const values = list.map((entry) => {
    if (!isObject(entry)) throw invalidValue(`each of ${name} must be an object`);
    const value = text(entry, "value", `${name}.value`);
    const primary = field(entry, "primary");
    return { value: value ?? undefined, primary: primary !== undefined && booleanOf(primary, `${name}.primary`) };
  });
  const present = values.filter((v) => v.value);
  const distinct = new Set(present.map((v) => v.value?.toLowerCase()));
  if (distinct.size > 1) throw invalidValue(`This server stores one value of ${name} per user, got ${distinct.size}`);
  return (present.find((v) => v.primary) ?? present[0])?.value;
}

/** Reads a User resource body; attributes this server does not declare in its Schemas are ignored (RFC 7643 §3). */
export function parseUser(body: unknown): UserInput {
  if (!isObject(body)) throw invalidSyntax("A User must be a JSON object");
  const name = field(body, "name");
  if (name !== undefined && name !== null && !isObject(name)) throw invalidValue("name must be an object");
  const names = isObject(name) ? name : {};
  const active = field(body, "active");
  const id = field(body, "id");
  return {
    id: id === undefined || id === null ? undefined : String(id),
    userName: text(body, "userName") ?? undefined,
    externalId: text(body, "externalId") ?? null,
    givenName: text(names, "givenName", "name.givenName") ?? undefined,
    familyName: text(names, "familyName", "name.familyName") ?? undefined,
    displayName: text(body, "displayName") ?? null,
    nickName: text(body, "nickName") ?? null,
    preferredLanguage: text(body, "preferredLanguage") ?? null,
    email: single(body, "emails"),
    phone: single(body, "phoneNumbers") ?? null,
    active: active === undefined || active === null ? undefined : booleanOf(active, "active"),
    password: text(body, "password") ?? undefined,
  };
}

// A userName that is an address stands in for a missing email (Entra ID's userName is the UPN).
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function emailOf(input: UserInput): string {
  const email = input.email ?? (input.userName && LOOKS_LIKE_EMAIL.test(input.userName) ? input.userName : undefined);
  if (!email) throw invalidValue("emails: one address is required");
  return email;
}

/** What a full replacement (PUT, or a PATCH's result) changes on the user as read; unchanged fields are left out. */
export function changesOf(row: UserRow, input: UserInput): ScimAttributes {
  if (input.id !== undefined && input.id !== row.id) throw mutability("id is read-only");
  if (input.userName === undefined || input.userName.trim() === "") throw invalidValue("userName is required");
  if (input.userName !== row.username) throw mutability("userName cannot be changed on this server");
  const wanted: ScimAttributes = {
    externalId: input.externalId,
    givenName: input.givenName ?? "",
    familyName: input.familyName ?? "",
    displayName: input.displayName,
    nickName: input.nickName,
    preferredLanguage: input.preferredLanguage,
    email: emailOf(input),
    phone: input.phone,
  };
  const current: Record<keyof ScimAttributes, string | null> = {
    externalId: row.external_id,
    givenName: row.given_name,
    familyName: row.family_name,
    displayName: row.display_name,
    nickName: row.nick_name,
    preferredLanguage: row.preferred_language,
    email: row.email,
    phone: row.phone,
  };
  const changes: Record<string, unknown> = {};
  // An empty text and no text are the same to SCIM (and users made by other APIs hold "" where SCIM has none).
  const same = (a: unknown, b: unknown) => (a === "" ? null : a) === (b === "" ? null : b);
  for (const [key, value] of Object.entries(wanted)) if (!same(value, current[key as keyof ScimAttributes])) changes[key] = value === "" ? null : value;
  return changes as ScimAttributes;
}

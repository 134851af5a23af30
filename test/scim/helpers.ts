import { randomBytes } from "node:crypto";
import type { Db } from "../../src/db/database.js";

export interface ScimResult {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: any;
  headers: Headers;
}

/** One SCIM request with fetch, as an IdP sends it: bearer token, application/scim+json. */
export async function scim(
  baseUrl: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ScimResult> {
  const all: Record<string, string> = { accept: "application/scim+json", ...headers };
  if (token !== undefined) all.authorization = `Bearer ${token}`;
  if (body !== undefined && !all["content-type"]) all["content-type"] = "application/scim+json";
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: all,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export const random = (prefix: string) => `${prefix}-${randomBytes(5).toString("hex")}`;

/** A User as Entra ID's provisioning service POSTs it (default attribute mappings). */
export function entraUser(userName: string, externalId: string) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    externalId,
    userName,
    active: true,
    displayName: "Ada Lovelace",
    emails: [{ primary: true, type: "work", value: userName }],
    meta: { resourceType: "User" },
    name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada" },
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Engines" },
  };
}

/** A User as Okta POSTs it. */
export function oktaUser(userName: string) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName,
    name: { givenName: "Grace", familyName: "Hopper" },
    emails: [{ primary: true, value: userName, type: "work" }],
    displayName: "Grace Hopper",
    locale: "en-US",
    externalId: random("okta"),
    groups: [],
    password: "Okta-Secret-42!",
    active: true,
  };
}

/** How many events the user's stream holds, by type: what really executed. */
export async function eventTypes(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("events")
    .select("type")
    .where("aggregate_type", "=", "user")
    .where("aggregate_id", "=", userId)
    .orderBy("sequence")
    .execute();
  return rows.map((r) => r.type);
}

export async function eventCount(db: Db): Promise<number> {
  const row = await db.selectFrom("events").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

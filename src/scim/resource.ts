import type { UserRow } from "../projections/users/queries.js";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** `meta.version` and the ETag header: weak, the user's sequence (its stream's version). */
export const versionOf = (row: Pick<UserRow, "sequence">) => `W/"${row.sequence}"`;

/** The sequence named by an `If-Match` header; `undefined` for none or `*`; `null` when unreadable. */
export function expectedSequence(ifMatch: string | undefined): number | undefined | null {
  if (ifMatch === undefined || ifMatch.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(ifMatch);
  return match ? Number(match[1]) : null;
}

const optional = <T>(key: string, value: T | null | undefined) => (value === null || value === undefined || value === "" ? {} : { [key]: value });

/** A users_v1 row as an RFC 7643 User resource. `active` is false only for a deactivated user. */
export function toResource(row: UserRow, baseUrl: string): Record<string, unknown> {
  const formatted = [row.given_name, row.family_name].filter(Boolean).join(" ");
  return {
    schemas: [USER_SCHEMA],
    id: row.id,
    ...optional("externalId", row.external_id),
    userName: row.username,
    name: { ...optional("formatted", formatted), ...optional("givenName", row.given_name), ...optional("familyName", row.family_name) },
    ...optional("displayName", row.display_name),
    ...optional("nickName", row.nick_name),
    ...optional("preferredLanguage", row.preferred_language),
    active: row.state !== "inactive",
    ...(row.email ? { emails: [{ value: row.email, primary: true, type: "work" }] } : {}),
    ...(row.phone ? { phoneNumbers: [{ value: row.phone, primary: true, type: "work" }] } : {}),
    meta: {
      resourceType: "User",
      created: new Date(row.creation_date).toISOString(),
      lastModified: new Date(row.change_date).toISOString(),
      version: versionOf(row),
      location: `${baseUrl}/Users/${encodeURIComponent(row.id)}`,
    },
  };
}

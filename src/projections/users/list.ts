import { type Expression, type ExpressionBuilder, type OrderByItemBuilder, type SqlBool, sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";
import { type ListResult, noRow, type Page, pageWithTotals, type TextMatch, textMatches } from "../list-query.js";
import type { UserRow } from "./queries.js";

export type UserTextField = "username" | "given_name" | "family_name" | "nick_name" | "display_name" | "email" | "phone" | "external_id";
export type UserSortColumn = UserTextField | "state" | "type" | "creation_date";

/** A ListUsers search query, free of any protocol: the API layer validates and translates into this. */
export type UserFilter =
  | { kind: "text"; field: UserTextField; match: TextMatch }
  // "deleted" is valid and matches nothing: removed users leave the table.
  | { kind: "state"; state: "initial" | "active" | "inactive" | "locked" | "deleted" }
  | { kind: "type"; type: "human" | "machine" }
  | { kind: "ids"; ids: string[] }
  | { kind: "emails"; emails: string[] }
  | { kind: "org"; orgId: string }
  | { kind: "and" | "or"; filters: UserFilter[] }
  | { kind: "not"; filter: UserFilter };

export interface UserListRequest {
  filters: UserFilter[];
  /** Organizations the caller may read users of; "all" for an instance-wide reader. */
  orgs: string[] | "all";
  /** A user listed whatever its organization (the caller itself). */
  alsoUserId?: string;
  sort: UserSortColumn;
  page: Page;
}

type Eb = ExpressionBuilder<Database, "users_v1">;

/** Columns without NULLs sort plainly, so an index on (column, id) serves the page in either direction. */
const NOT_NULL: ReadonlySet<UserSortColumn> = new Set(["username", "state", "type", "creation_date"]);

function condition(eb: Eb, filter: UserFilter): Expression<SqlBool> {
  switch (filter.kind) {
    case "text":
      return textMatches(eb.ref(filter.field), filter.match);
    case "state":
      return eb("state", "=", filter.state);
    case "type":
      return eb("type", "=", filter.type);
    case "ids":
      return filter.ids.length > 0 ? eb("id", "in", filter.ids) : noRow;
    case "emails":
      // Addresses compare case-insensitively, as mail systems treat them in practice (and lower(email) is indexed).
      return filter.emails.length > 0 ? eb(sql`lower(email)`, "in", filter.emails.map((e) => sql<string>`lower(cast(${e} as text))`)) : noRow;
    case "org":
      return eb("resource_owner", "=", filter.orgId);
    case "and":
      return eb.and(filter.filters.map((f) => condition(eb, f)));
    case "or":
      return eb.or(filter.filters.map((f) => condition(eb, f)));
    case "not":
      return eb.not(condition(eb, filter.filter));
  }
}

function where(eb: Eb, request: UserListRequest): Expression<SqlBool> {
  const inOrgs = request.orgs === "all" ? undefined : request.orgs.length > 0 ? eb("resource_owner", "in", request.orgs) : noRow;
  const scope = !inOrgs ? [] : [request.alsoUserId ? eb.or([inOrgs, eb("id", "=", request.alsoUserId)]) : inOrgs];
  return eb.and([...scope, ...request.filters.map((f) => condition(eb, f))]);
}

/** One page of users_v1 with the total count and the processed position, in one statement. */
export async function listUsers(db: Db, request: UserListRequest): Promise<ListResult<UserRow>> {
  const { sort, page } = request;
  const direction = page.asc ? "asc" : "desc";
  // Users without a value (a machine has no first name) come last either way.
  const order = (o: OrderByItemBuilder) => (NOT_NULL.has(sort) ? o[direction]() : o[direction]().nullsLast());
  return pageWithTotals<UserRow, "users_v1">(db, "users_v1", (eb) => where(eb, request), sort, order, page);
}

import type { Access } from "../commands/access.js";
import type { Deps } from "../commands/deps.js";
import { readOrg } from "../commands/org.js";
import { deprovisionUser, provisionUser, updateProvisionedUser } from "../commands/scim-user.js";
import { readUser } from "../commands/user.js";
import { hashPassword } from "../credentials/passwords.js";
import { notFound } from "../domain/errors.js";
import type { ScimAttributes } from "../domain/user/events.js";
import { listUsers, type UserFilter } from "../projections/users/list.js";
import type { UserRow } from "../projections/users/queries.js";
import { invalidValue } from "./errors.js";
import { parseFilter } from "./filter.js";
import { emailOf, type UserInput } from "./input.js";
import { sortColumn, toUserFilter } from "./list-filter.js";
import { LIST_SCHEMA } from "./resource.js";

/** Who calls, in which organization: every SCIM operation acts only on that organization's human users. */
export interface ScimContext {
  deps: Deps;
  orgId: string;
  access: (permission: "user.read" | "user.write" | "user.delete") => Access;
}

export const MAX_COUNT = 200;

/**
 * A human user of the organization, as its read model holds it; anything else does not exist here. From the
 * primary unless told otherwise: PUT, PATCH and DELETE decide on it.
 */
export async function getScimUser(ctx: ScimContext, userId: string, source: Pick<ScimContext["deps"], "db"> = ctx.deps): Promise<UserRow> {
  const row = await readUser(source, ctx.access("user.read"), userId, { inOrg: ctx.orgId });
  if (row.type !== "human") throw notFound("USER-not-found", "User could not be found");
  return row;
}

/** POST /Users: the same AddHumanUser decision; SCIM's addresses count as verified (ZITADEL's default). */
export async function createScimUser(ctx: ScimContext, input: UserInput): Promise<UserRow> {
  if (!input.userName?.trim()) throw invalidValue("userName is required");
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  const userId = ctx.deps.newId();
  const human = {
    username: input.userName ?? "",
    profile: {
      givenName: input.givenName ?? "",
      familyName: input.familyName ?? "",
      displayName: input.displayName ?? undefined,
      nickName: input.nickName ?? undefined,
      preferredLanguage: input.preferredLanguage ?? undefined,
    },
    email: { address: emailOf(input), verified: true },
    phone: input.phone ? { number: input.phone, verified: true } : undefined,
    passwordHash,
  };
  await provisionUser(ctx.deps, ctx.access("user.write"), ctx.orgId, userId, { human, externalId: input.externalId ?? undefined, active: input.active ?? undefined });
  return getScimUser(ctx, userId);
}

/**
 * PUT and PATCH end here with the attributes that differ, the wanted `active` and a new password. `active`
 * runs the lifecycle commands (deactivate: one event, and the user's tokens and sessions stop at once);
 * asking for the state the user is in appends nothing, because IdPs resend state.
 */
export async function updateScimUser(
  ctx: ScimContext,
  userId: string,
  expected: number | undefined,
  change: { attributes: ScimAttributes; active?: boolean; password?: string },
): Promise<UserRow> {
  const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
  await updateProvisionedUser(ctx.deps, ctx.access("user.write"), ctx.orgId, userId, expected, { attributes: change.attributes, active: change.active, passwordHash });
  return getScimUser(ctx, userId);
}

export async function deleteScimUser(ctx: ScimContext, userId: string, expected: number | undefined): Promise<void> {
  await getScimUser(ctx, userId); // machine users are not SCIM's to delete
  await deprovisionUser(ctx.deps, ctx.access("user.delete"), ctx.orgId, userId, expected);
}

export interface ListParams {
  filter?: string;
  startIndex?: string | number;
  count?: string | number;
  sortBy?: string;
  sortOrder?: string;
}

function integer(value: string | number | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = typeof value === "number" ? value : /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw invalidValue(`${name} must be an integer`);
  return n;
}

/** GET /Users and POST /Users/.search: filter, 1-based startIndex, count (at most MAX_COUNT), sortBy. */
export async function listScimUsers(ctx: ScimContext, params: ListParams, render: (row: UserRow) => unknown) {
  // Values below 1 and negative counts are read as 1 and 0 (RFC 7644 §3.4.2.4).
  const startIndex = Math.max(1, integer(params.startIndex, "startIndex", 1));
  const count = Math.min(MAX_COUNT, Math.max(0, integer(params.count, "count", MAX_COUNT)));
  const sort = sortColumn(params.sortBy);
  const order = (params.sortOrder ?? "ascending").toLowerCase();
  if (order !== "ascending" && order !== "descending") throw invalidValue("sortOrder must be ascending or descending");
  const filters: UserFilter[] = [{ kind: "type", type: "human" }];
  if (params.filter !== undefined) filters.push(toUserFilter(parseFilter(params.filter)));
  // count 0 still runs the query: it answers totalResults.
  const page = await ctx.deps.reads(async (db) => {
    await readOrg({ db }, ctx.access("user.read"), { id: ctx.orgId });
    return listUsers(db, { filters, orgs: [ctx.orgId], sort, page: { offset: startIndex - 1, limit: Math.max(count, 1), asc: order === "ascending" } });
  });
  const rows = page.rows.slice(0, count);
  return { schemas: [LIST_SCHEMA], totalResults: page.total, startIndex, itemsPerPage: rows.length, Resources: rows.map(render) };
}

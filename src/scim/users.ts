import type { Access } from "../commands/access.js";
import type { Deps } from "../commands/deps.js";
import { createUserIn, readOrg } from "../commands/org.js";
import { changeUserIfVersion } from "../commands/scim-user.js";
import { readUser } from "../commands/user.js";
import { hashPassword } from "../api/auth/passwords.js";
import { notFound } from "../domain/errors.js";
import { addHumanUser } from "../domain/user/create.js";
import { deactivateUser, reactivateUser, removeUser } from "../domain/user/decide.js";
import type { ScimAttributes, UserEvent } from "../domain/user/events.js";
import { setPassword } from "../domain/user/password.js";
import { setScimAttributes } from "../domain/user/scim.js";
import type { UserState } from "../domain/user/state.js";
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

/** A human user of the organization, as its read model holds it; anything else does not exist here. */
export async function getScimUser(ctx: ScimContext, userId: string): Promise<UserRow> {
  const row = await readUser(ctx.deps, ctx.access("user.read"), userId, { inOrg: ctx.orgId });
  if (row.type !== "human") throw notFound("USER-not-found", "User could not be found");
  return row;
}

/** POST /Users: the same AddHumanUser decision; SCIM's addresses count as verified (ZITADEL's default). */
export async function createScimUser(ctx: ScimContext, input: UserInput): Promise<UserRow> {
  if (!input.userName?.trim()) throw invalidValue("userName is required");
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  const userId = ctx.deps.newId();
  const extra: ScimAttributes = input.externalId ? { externalId: input.externalId } : {};
  await createUserIn(ctx.deps, ctx.access("user.write"), { id: ctx.orgId }, userId, (state) => {
    const added = addHumanUser(state, {
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
    });
    const events: UserEvent[] = [...added];
    if (extra.externalId) events.push({ type: "user.scim.attributes.set", data: extra });
    // A user created with a verified address is active; `active: false` deactivates it in the same append.
    if (input.active === false) events.push({ type: "user.deactivated", data: {} });
    return events;
  });
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
  const now = ctx.deps.now();
  await changeUserIfVersion(ctx.deps, ctx.access("user.write"), userId, ctx.orgId, expected, (state) => {
    const events: UserEvent[] = [];
    let current: UserState = state;
    const inactive = current.status === "inactive";
    if (change.active === true && inactive) {
      events.push(...reactivateUser(current));
      current = { ...(current as Extract<UserState, { kind: string }>), status: "active" };
    }
    events.push(...setScimAttributes(current, change.attributes));
    if (passwordHash) events.push(...setPassword(current, passwordHash, false, { kind: "none" }, now));
    if (change.active === false && !inactive) events.push(...deactivateUser(current));
    return events;
  });
  return getScimUser(ctx, userId);
}

export async function deleteScimUser(ctx: ScimContext, userId: string, expected: number | undefined): Promise<void> {
  await getScimUser(ctx, userId); // machine users are not SCIM's to delete
  await changeUserIfVersion(ctx.deps, ctx.access("user.delete"), userId, ctx.orgId, expected, removeUser);
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
  await readOrg(ctx.deps, ctx.access("user.read"), { id: ctx.orgId });
  // count 0 still runs the query: it answers totalResults.
  const page = await listUsers(ctx.deps.db, { filters, orgs: [ctx.orgId], sort, page: { offset: startIndex - 1, limit: Math.max(count, 1), asc: order === "ascending" } });
  const rows = page.rows.slice(0, count);
  return { schemas: [LIST_SCHEMA], totalResults: page.total, startIndex, itemsPerPage: rows.length, Resources: rows.map(render) };
}

import { invalidSyntax, invalidValue, ScimError, type Outcome } from "./errors.js";
import { changesOf, field, parseUser } from "./input.js";
import { applyPatch } from "./patch.js";
import { expectedSequence, toResource, versionOf } from "./resource.js";
import { createScimUser, deleteScimUser, getScimUser, type ListParams, listScimUsers, type ScimContext, updateScimUser } from "./users.js";
import type { UserRow } from "../projections/users/queries.js";

/** One SCIM request below `/scim/v2/{orgId}`, as the HTTP surface and each Bulk operation present it. */
export interface ScimRequest {
  method: string;
  /** Path segments after the organization, decoded: ["Users"], ["Users", id], ["Users", ".search"]. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  ifMatch?: string;
  /** `https://host/scim/v2/{orgId}`, for `meta.location`. */
  baseUrl: string;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Outcome => ({ status, body: JSON.stringify(body), headers });

const methodNotAllowed = (allow: string) => new ScimError(405, undefined, `Method not allowed here; allowed: ${allow}`);

function expected(ifMatch: string | undefined): number | undefined {
  const sequence = expectedSequence(ifMatch);
  // An If-Match that names no version of ours cannot match the current one.
  if (sequence === null) throw new ScimError(412, undefined, "If-Match names no version of this resource");
  return sequence;
}

/** A SearchRequest body (RFC 7644 §3.4.3) as list parameters; a wrongly typed member is `invalidValue`. */
function searchParams(body: unknown): ListParams {
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidSyntax("A SearchRequest must be a JSON object");
  const params: ListParams = {};
  for (const key of ["filter", "sortBy", "sortOrder"] as const) {
    const value = field(body as Record<string, unknown>, key);
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw invalidValue(`${key} must be a string`);
    params[key] = value;
  }
  for (const key of ["startIndex", "count"] as const) {
    const value = field(body as Record<string, unknown>, key);
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" && typeof value !== "string") throw invalidValue(`${key} must be an integer`);
    params[key] = value;
  }
  return params;
}

/** The Users endpoints (RFC 7644 §3.2–3.6). */
export async function usersOperation(ctx: ScimContext, req: ScimRequest): Promise<Outcome> {
  const [, id, ...rest] = req.segments;
  const resource = (row: UserRow, status = 200, headers: Record<string, string> = {}) =>
    json(status, toResource(row, req.baseUrl), { etag: versionOf(row), ...headers });
  if (rest.length > 0) throw new ScimError(404, undefined, "No such endpoint");
  if (id === undefined) {
    if (req.method === "GET") {
      const params = Object.fromEntries(["filter", "startIndex", "count", "sortBy", "sortOrder"].map((k) => [k, req.query.get(k) ?? undefined]));
      return json(200, await listScimUsers(ctx, params, (row) => toResource(row, req.baseUrl)));
    }
    if (req.method === "POST") {
      const row = await createScimUser(ctx, parseUser(req.body));
      return resource(row, 201, { location: `${req.baseUrl}/Users/${encodeURIComponent(row.id)}` });
    }
    throw methodNotAllowed("GET, POST");
  }
  if (id === ".search") {
    if (req.method !== "POST") throw methodNotAllowed("POST");
    return json(200, await listScimUsers(ctx, searchParams(req.body), (row) => toResource(row, req.baseUrl)));
  }
  switch (req.method) {
    case "GET":
      return resource(await ctx.deps.reads((db) => getScimUser(ctx, id, { db })));
    case "PUT": {
      const version = expected(req.ifMatch);
      const input = parseUser(req.body);
      const row = await getScimUser(ctx, id);
      return resource(await updateScimUser(ctx, id, version, { attributes: changesOf(row, input), active: input.active, password: input.password }));
    }
    case "PATCH": {
      const version = expected(req.ifMatch);
      const row = await getScimUser(ctx, id);
      const input = parseUser(applyPatch(toResource(row, req.baseUrl), req.body));
      return resource(await updateScimUser(ctx, id, version, { attributes: changesOf(row, input), active: input.active, password: input.password }));
    }
    case "DELETE":
      await deleteScimUser(ctx, id, expected(req.ifMatch));
      return { status: 204 };
    default:
      throw methodNotAllowed("GET, PUT, PATCH, DELETE");
  }
}

import type { Access } from "../commands/access.js";
import type { Deps } from "../commands/deps.js";
import { checkedSearchParams, checkHeaderText, checkText, decodeUtf8 } from "../api/interceptors/text-input.js";
import { authenticateToken } from "../api/auth/authenticate.js";
import { bearerToken, header, readBody, type Req } from "../http/request.js";
import { type Call, serveHttpSurface } from "../http/serve.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/metrics.js";
import { runBulk } from "./bulk.js";
import { listOf, serviceProviderConfig, userResourceType, userSchema } from "./discovery.js";
import { decodeSegment, errorOutcome, invalidSyntax, type Outcome, ScimError, scimFailure } from "./errors.js";
import { json, type ScimRequest, usersOperation } from "./operations.js";
import { USER_SCHEMA } from "./resource.js";
import type { ScimContext } from "./users.js";

const PREFIX = "/scim/v2/";

/** The paths the server hands to this surface. */
export const isScimPath = (url: string | undefined) => (url ?? "").startsWith(PREFIX);

export interface ScimOptions {
  log: Logger;
  metrics?: Metrics;
  /** Bulk: operations per request (env SCIM_BULK_MAX_OPERATIONS). */
  maxOperations?: number;
  /** Bulk and every other request: body bytes (env SCIM_MAX_PAYLOAD_BYTES). */
  maxPayloadSize?: number;
}

const JSON_TYPES = /^application\/(scim\+)?json\s*(;.*)?$/i;

async function readJson(req: Req, limit: number): Promise<unknown> {
  const type = header(req, "content-type");
  const body = await readBody(req, limit);
  if (!body) throw new ScimError(413, undefined, `The request body exceeds ${limit} bytes (maxPayloadSize)`);
  if (body.length === 0) return undefined;
  if (type !== undefined && !JSON_TYPES.test(type)) throw new ScimError(415, undefined, "Send application/scim+json or application/json");
  const text = decodeUtf8(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidSyntax("The body is not valid JSON");
  }
  checkText(parsed);
  return parsed;
}

/**
 * SCIM 2.0 (RFC 7643/7644) at `/scim/v2/{orgId}`: the organization's human users for IdPs (Okta, Entra ID),
 * on the same use cases, permissions and lifecycle commands as every other API.
 */
export function createScimSurface(deps: Deps, options: ScimOptions) {
  const { log } = options;
  const maxOperations = options.maxOperations ?? 100;
  const maxPayloadSize = options.maxPayloadSize ?? 1024 * 1024;

  function discovery(segments: string[], baseUrl: string): Outcome {
    const [what, id, ...rest] = segments;
    const one = (found: unknown) => (found ? json(200, found) : errorOutcome(404, "No such resource"));
    if (rest.length > 0) return errorOutcome(404, "No such resource");
    if (what === "ServiceProviderConfig" && id === undefined) return json(200, serviceProviderConfig(baseUrl, { maxOperations, maxPayloadSize }));
    if (what === "ResourceTypes") return id === undefined ? json(200, listOf([userResourceType(baseUrl)])) : one(id === "User" && userResourceType(baseUrl));
    return id === undefined ? json(200, listOf([userSchema(baseUrl)])) : one(id === USER_SCHEMA && userSchema(baseUrl));
  }

  async function handle(req: Req, call: Call): Promise<Outcome> {
    // split by hand: URL parsing would turn escapes that are not UTF-8 into U+FFFD
    const [pathname, rawQuery = ""] = (req.url ?? "/").split(/\?(.*)/s);
    const query = checkedSearchParams(rawQuery.split("#")[0]);
    checkHeaderText(header(req, "if-match"));
    const [rawOrg, ...rawRest] = pathname.slice(PREFIX.length).split("/");
    const segments = rawRest.map(decodeSegment);
    const orgId = decodeSegment(rawOrg);
    const host = header(req, "host") ?? header(req, ":authority") ?? "localhost";
    const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
    const baseUrl = `${scheme}://${host}${PREFIX}${encodeURIComponent(orgId)}`;
    const method = (req.method ?? "GET").toUpperCase();
    if (!orgId || segments.length === 0) return errorOutcome(404, "No such endpoint");
    // Discovery describes the server, not an organization: it needs no credentials (RFC 7644 §4).
    if (["ServiceProviderConfig", "ResourceTypes", "Schemas"].includes(segments[0])) {
      return method === "GET" ? discovery(segments, baseUrl) : errorOutcome(405, "Method not allowed here; allowed: GET", undefined, { allow: "GET" });
    }
    if (segments[0] !== "Users" && segments[0] !== "Bulk") return errorOutcome(404, "No such endpoint");

    const token = bearerToken(req);
    const principal = token ? await authenticateToken(deps, token) : undefined;
    if (!principal) return errorOutcome(401, "Missing or invalid bearer token", undefined, { "www-authenticate": 'Bearer realm="scim"' });
    call.principalId = principal.userId;
    const ctx: ScimContext = {
      deps,
      orgId,
      access: (permission): Access => ({ principal, permission, allowSelf: false, orgContext: orgId }),
    };
    const body = ["POST", "PUT", "PATCH"].includes(method) ? await readJson(req, maxPayloadSize) : undefined;
    const run = (one: Pick<ScimRequest, "method" | "segments" | "body" | "ifMatch">) =>
      usersOperation(ctx, { ...one, query, baseUrl }).catch((error) => scimFailure(error, log, `${one.method} ${one.segments[0]}`));
    if (segments[0] === "Bulk") {
      if (segments.length > 1) return errorOutcome(404, "No such endpoint");
      if (method !== "POST") return errorOutcome(405, "Method not allowed here; allowed: POST", undefined, { allow: "POST" });
      return runBulk(body, maxOperations, run, baseUrl);
    }
    return usersOperation(ctx, { method, segments, query, body, ifMatch: header(req, "if-match"), baseUrl });
  }

  return serveHttpSurface(
    {
      service: "scim.v2",
      protocol: "scim",
      contentType: "application/scim+json",
      log,
      metrics: options.metrics,
      dbBudgetMs: deps.dbBudgetMs,
      operationOf: scimOperation,
      failure: (error, call) => scimFailure(error, log, call.operation),
    },
    handle,
  );
}

const RESOURCES = new Set(["Users", "Bulk", "ServiceProviderConfig", "ResourceTypes", "Schemas"]);

/** `GET Users`, `POST Bulk`, …: the endpoint a request names, without the organization or any id. */
function scimOperation(method: string, path: string): string {
  const resource = path.slice(PREFIX.length).split("/")[1];
  return `${method.toUpperCase()} ${resource !== undefined && RESOURCES.has(resource) ? resource : "unknown"}`;
}

import { checkText, decodeUtf8 } from "../api/interceptors/text-input.js";
import { couldEverPass } from "../commands/access.js";
import type { Deps } from "../commands/deps.js";
import { header, readBody, type Req } from "../http/request.js";
import { type Call, serveHttpSurface } from "../http/serve.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/metrics.js";
import { apiKeyOf, principalOf } from "./authenticate.js";
import { fingerprint, IdempotencyStore } from "./idempotency.js";
import { openApiDocument } from "./openapi.js";
import { RateLimiter } from "./rate-limit.js";
import * as reply from "./responses.js";
import { matchRoute } from "./routes.js";
import { runUserCommand, type UserOperation } from "./user-command.js";
import { decodeSegment, validateRequest } from "./validation.js";

export interface V1SurfaceOptions {
  log: Logger;
  metrics?: Metrics;
  /** Requests per minute and API key (env V1_RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute?: number;
  /** These operations take no body; a small JSON object is tolerated (and fingerprinted). */
  maxBodyBytes?: number;
  /** How often an instance deletes expired idempotency records, at most. */
  pruneIntervalMs?: number;
}

function isCleanText(body: Buffer): boolean {
  try {
    checkText(decodeUtf8(body));
    return true;
  } catch {
    return false;
  }
}

/**
 * The second REST surface (docs/contract.md §4): `/v1/users/{user_id}/deactivate|activate` for admin tools, with an
 * API key for the application, a bearer token for the acting user, and `idempotency-ref` replays.
 */
export function createV1Surface(deps: Deps, options: V1SurfaceOptions) {
  const { log } = options;
  const idempotency = new IdempotencyStore(deps.db);
  const perMinute = options.rateLimitPerMinute ?? 600;
  if (!(perMinute > 0)) throw new Error(`V1_RATE_LIMIT_PER_MINUTE must be a positive number, got ${perMinute}`);
  const limiter = new RateLimiter(deps.db, perMinute);
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  const run = { ...deps, log, idempotency };
  let lastPrune = 0;

  // Pruning rides on traffic (no timer to stop on shutdown); an idle instance has nothing new to prune.
  function maybePrune(): void {
    if (Date.now() - lastPrune < pruneIntervalMs) return;
    lastPrune = Date.now();
    idempotency.prune().catch((error) => log.warn("pruning idempotency records failed", { cause: String(error) }));
  }

  async function userOperation(req: Req, call: Call, operation: UserOperation, rawUserId: string, path: string): Promise<reply.Outcome> {
    const key = await apiKeyOf(deps, req);
    if (!key) return reply.unauthenticated("API key");
    const allowed = await limiter.take(key.id);
    if (!allowed.ok) return reply.rateLimited(allowed.retryAfterSeconds);
    const principal = await principalOf(deps, req);
    if (!principal) return reply.unauthenticated("auth token");
    call.principalId = principal.userId;
    const body = await readBody(req, maxBodyBytes);
    if (!body) return reply.tooLarge(maxBodyBytes);
    // The body is only fingerprinted, never stored; it is still text the API's one input check must accept.
    if (!isCleanText(body)) return reply.invalid([{ fieldName: "body", error: "REGEX", params: ["UTF-8 text without U+0000"] }]);

    const userId = decodeSegment(rawUserId);
    const ref = header(req, "idempotency-ref");
    const invalid = validateRequest(userId, ref);
    if (invalid.length > 0) return reply.invalid(invalid);
    // The ADMIN role (user.write) is checked by the command on the user it loads, in the user's organization.
    const actor = { access: { principal, permission: "user.write", allowSelf: false, orgContext: principal.orgId }, appOrg: key.orgId };
    if (!couldEverPass(actor.access)) return reply.forbidden;
    if (ref === undefined) return runUserCommand(run, operation, userId, actor, undefined);
    maybePrune();
    const claimed = await idempotency.claim(key.id, ref, fingerprint("POST", path, body));
    switch (claimed.kind) {
      case "claimed":
        return runUserCommand(run, operation, userId, actor, claimed.claim);
      case "replay":
        return { status: claimed.status, body: claimed.body ?? undefined, headers: { "idempotency-replayed": "true" } };
      case "in-progress":
        return reply.inProgress;
      case "mismatch":
        return reply.refReused;
    }
  }

  async function handle(req: Req, call: Call): Promise<reply.Outcome> {
    const path = (req.url ?? "/").split("?")[0];
    const found = matchRoute(req.method ?? "GET", path);
    if (found.kind === "not-found") return reply.routeNotFound;
    if (found.kind === "method-not-allowed") return reply.methodNotAllowed(found.allow);
    if (found.route.operation === "openapi") return openApiDocument();
    return userOperation(req, call, found.route.operation, found.params.user_id, path);
  }

  const operationOf = (method: string, path: string) => {
    const found = matchRoute(method, path);
    return found.kind === "found" ? found.route.operation : found.kind;
  };
  return serveHttpSurface(
    { service: "v1", protocol: "rest", contentType: "application/json", log, metrics: options.metrics, dbBudgetMs: deps.dbBudgetMs, operationOf, failure: (error) => reply.failure(error, log, "request") },
    handle,
  );
}

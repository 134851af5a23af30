import { hashToken } from "../credentials/tokens.js";
import type { Principal } from "../commands/permissions.js";
import { authenticateToken } from "../api/auth/authenticate.js";
import type { Deps } from "../commands/deps.js";
import { bearerToken, header, type Req } from "../http/request.js";
import { type ActiveApiKey, activeApiKeyByHash } from "../projections/api-keys/queries.js";

/** The calling application: an active API key from `x-api-key`, looked up by its hash. */
export async function apiKeyOf(deps: Deps, req: Req): Promise<ActiveApiKey | undefined> {
  const key = header(req, "x-api-key");
  return key ? activeApiKeyByHash(deps.db, hashToken(key)) : undefined;
}

/** The acting user from `Authorization: Bearer`; a deactivated user's token no longer resolves. */
export async function principalOf(deps: Deps, req: Req): Promise<Principal | undefined> {
  const token = bearerToken(req);
  return token ? authenticateToken(deps, token) : undefined;
}

import { noteTokenUse } from "../../commands/activity.js";
import type { Deps } from "../../commands/deps.js";
import type { Principal } from "../../commands/permissions.js";
import { principalForToken } from "./principal.js";

/**
 * A bearer token (personal access or session token) to its principal, as every surface authenticates:
 * each use counts as the user's activity for the lifecycle policies.
 */
export async function authenticateToken(deps: Deps, token: string): Promise<Principal | undefined> {
  const principal = await principalForToken(deps.db, token, deps.now());
  if (principal) await noteTokenUse(deps, principal);
  return principal;
}

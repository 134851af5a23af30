import type { CheckUser } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import type { Db } from "../../db/database.js";
import { invalidArgument, notFound } from "../../domain/errors.js";
import { validateUserId } from "../../domain/user/decide.js";
import { userIdsForLoginName } from "../../projections/sessions/queries.js";

/** The user a session is for: by id, or by login name (username, or username@org-primary-domain). */
export async function checkedUserId(db: Db, check: CheckUser | undefined): Promise<string> {
  const search = check?.search;
  if (search?.case === "userId") return validateUserId(search.value);
  if (search?.case !== "loginName") {
    throw invalidArgument("SESSION-user-check-missing", "checks.user with user_id or login_name is required");
  }
  if (search.value.trim() === "") throw invalidArgument("SESSION-login-name-missing", "login_name must not be empty");
  const ids = await userIdsForLoginName(db, search.value);
  if (ids.length === 0) throw notFound("USER-not-found", "User could not be found");
  if (ids.length > 1) {
    throw invalidArgument("SESSION-login-name-ambiguous", "The login name matches users of several organizations; use username@org-domain");
  }
  return ids[0];
}

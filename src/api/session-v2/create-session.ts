import type { HandlerContext } from "@connectrpc/connect";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { CreateSessionRequest } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import { orgAggregate } from "../../domain/org/state.js";
import { requireLoginAllowed, startSession } from "../../domain/session/decide.js";
import { sessionAggregate } from "../../domain/session/state.js";
import { existingUser } from "../../domain/user/decide.js";
import { recordActivity } from "../../domain/user/lifecycle.js";
import { userAggregate } from "../../domain/user/state.js";
import { passwordVerifier } from "../../credentials/passwords.js";
import { hashToken, newToken } from "../../credentials/tokens.js";
import { commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { loadLockoutPolicy } from "../../commands/lockout-policy.js";
import { checkedUserId } from "./check-user.js";
import { checkPasswordInCommand, liftExpiredLockout } from "../../commands/password-check.js";

const millis = (d: Duration | undefined) => (d ? Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6) : undefined);

export function createSessionV2(deps: Deps) {
  return async (req: CreateSessionRequest, ctx: HandlerContext) => {
    const userId = await checkedUserId(deps.db, req.checks?.user);
    const password = req.checks?.password;
    const verify = password ? passwordVerifier(password.password) : undefined;
    const sessionId = deps.newId();
    const token = newToken();
    const metadata = Object.fromEntries(Object.entries(req.metadata).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
    const input = { userId, tokenHash: hashToken(token), passwordChecked: !!verify, lifetimeMs: millis(req.lifetime), metadata };

    // 1. Everything is judged in one command on the user's stream: an expired policy lock is lifted, the
    //    user's and org's states decide, the password check is recorded; a conflicting append re-runs it all.
    const outcome = await deps.store.run(commandContext(ctx), async (session) => {
      const now = deps.now();
      const policy = await loadLockoutPolicy(session, deps.lockout);
      const user = await session.load(userAggregate, userId);
      const org = await session.load(orgAggregate, existingUser(user.state).orgId);
      liftExpiredLockout(session, user, policy, now);
      requireLoginAllowed(user.state, org.state, !!verify);
      const rejected = verify ? await checkPasswordInCommand(session, user, verify, policy) : undefined;
      if (rejected) return { rejected };
      // A sign-in with a password is activity: recorded in the same append, once per bucket.
      if (verify) session.append(user, recordActivity(user.state, "password", now));
      const target = await session.load(sessionAggregate, sessionId);
      return { write: session.append(target, startSession(target.state, input, now), org.id) };
    });
    // 2. A wrong password is reported only after its failed attempt (and any lock) committed.
    if ("rejected" in outcome) throw outcome.rejected;
    return { details: detailsV2(outcome.write.details()), sessionId, sessionToken: token };
  };
}

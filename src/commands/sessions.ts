import { terminateSession } from "../domain/session/decide.js";
import { sessionAggregate } from "../domain/session/state.js";
import { handleCommand } from "../eventstore/handle-command.js";
import type { ObjectDetails } from "../eventstore/types.js";
import type { Deps } from "./deps.js";

/** Ends a session the caller was found to hold (its token, or session.delete on its user). */
export function endSession(deps: Pick<Deps, "store">, creator: string, sessionId: string): Promise<ObjectDetails> {
  return handleCommand(deps.store, { creator }, sessionAggregate, sessionId, terminateSession);
}

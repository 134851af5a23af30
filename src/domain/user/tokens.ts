import { failedPrecondition, invalidArgument } from "../errors.js";
import { existingUser } from "./decide.js";
import type { UserEvent } from "./events.js";
import type { UserState } from "./state.js";

export interface NewPersonalAccessToken {
  tokenId: string;
  tokenHash: string;
  expiration: Date | undefined;
}

/** Personal access tokens are for machine users; an expiration, if given, lies in the future. */
export function addPersonalAccessToken(state: UserState, token: NewPersonalAccessToken, now: Date): UserEvent[] {
  const user = existingUser(state);
  if (user.kind !== "machine") throw failedPrecondition("USER-pat-machine-only", "Personal access tokens are for machine users");
  if (token.expiration && token.expiration <= now) throw invalidArgument("USER-pat-expired", "expiration_date must lie in the future");
  return [
    {
      type: "user.pat.added",
      data: { tokenId: token.tokenId, tokenHash: token.tokenHash, expiration: token.expiration?.toISOString() ?? null },
    },
  ];
}

import { alreadyExists, failedPrecondition, invalidArgument, notFound } from "../errors.js";
import type { ApiKeyEvent } from "./events.js";
import type { ApiKeyState } from "./state.js";

export interface NewApiKey {
  name: string;
  keyHash: string;
  orgId?: string;
}

export function addApiKey(state: ApiKeyState, input: NewApiKey): ApiKeyEvent[] {
  if (state.status !== "absent") throw alreadyExists("APIKEY-id-taken", "an API key with this id already exists");
  const name = input.name.trim();
  if (name.length === 0) throw invalidArgument("APIKEY-name-missing", "name must not be empty");
  if (name.length > 200) throw invalidArgument("APIKEY-name-too-long", "name must be at most 200 characters");
  const data = input.orgId ? { name, keyHash: input.keyHash, orgId: input.orgId } : { name, keyHash: input.keyHash };
  return [{ type: "api_key.added", data }];
}

export function revokeApiKey(state: ApiKeyState): ApiKeyEvent[] {
  if (state.status === "absent") throw notFound("APIKEY-not-found", "API key could not be found");
  if (state.status === "revoked") throw failedPrecondition("APIKEY-already-revoked", "API key is already revoked");
  return [{ type: "api_key.revoked", data: {} }];
}

import { describe, it } from "vitest";
import { addApiKey, revokeApiKey } from "../../src/domain/api-key/decide.js";
import type { ApiKeyEvent } from "../../src/domain/api-key/events.js";
import { apiKeyAggregate } from "../../src/domain/api-key/state.js";
import { given } from "./given.js";

const added: ApiKeyEvent = { type: "api_key.added", data: { name: "billing", keyHash: "kh" } };
const revoked: ApiKeyEvent = { type: "api_key.revoked", data: {} };

describe("API key", () => {
  it("adds a key with its trimmed name and only the key's hash", () => given(apiKeyAggregate).when((s) => addApiKey(s, { name: " billing ", keyHash: "kh" })).then([added]));
  it("adds a key bound to an organization", () =>
    given(apiKeyAggregate).when((s) => addApiKey(s, { name: "billing", keyHash: "kh", orgId: "o1" })).then([{ type: "api_key.added", data: { name: "billing", keyHash: "kh", orgId: "o1" } }]));
  it("refuses an id in use: APIKEY-id-taken", () => given(apiKeyAggregate, added).when((s) => addApiKey(s, { name: "x", keyHash: "k" })).thenRefuses("already_exists", "APIKEY-id-taken"));
  it("refuses an empty name: APIKEY-name-missing", () => given(apiKeyAggregate).when((s) => addApiKey(s, { name: " ", keyHash: "k" })).thenRefuses("invalid_argument", "APIKEY-name-missing"));
  it("refuses a long name: APIKEY-name-too-long", () => given(apiKeyAggregate).when((s) => addApiKey(s, { name: "n".repeat(201), keyHash: "k" })).thenRefuses("invalid_argument", "APIKEY-name-too-long"));
  it("revokes an active key", () => given(apiKeyAggregate, added).when(revokeApiKey).then([revoked]));
  it("refuses revoking twice: APIKEY-already-revoked", () => given(apiKeyAggregate, added, revoked).when(revokeApiKey).thenRefuses("failed_precondition", "APIKEY-already-revoked"));
  it("refuses revoking an unknown key: APIKEY-not-found", () => given(apiKeyAggregate).when(revokeApiKey).thenRefuses("not_found", "APIKEY-not-found"));
});

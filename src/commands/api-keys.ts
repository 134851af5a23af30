import { addApiKey, revokeApiKey } from "../domain/api-key/decide.js";
import { apiKeyAggregate } from "../domain/api-key/state.js";
import { INSTANCE_ID } from "../domain/instance/instance.js";
import { existingOrg } from "../domain/org/decide.js";
import { orgAggregate } from "../domain/org/state.js";
import type { CommandContext, EventStore } from "../eventstore/event-store.js";
import { handleCommand } from "../eventstore/handle-command.js";
import { hashToken, newToken } from "../credentials/tokens.js";

/**
 * The API key commands, shared by the admin RPC and the CLI. The key is generated here and returned once;
 * the event carries only its hash. An instance-wide key is owned by the instance, an org-bound one by its org.
 */
export async function createApiKey(
  store: EventStore,
  context: CommandContext,
  input: { keyId: string; name: string; orgId?: string },
): Promise<{ keyId: string; key: string }> {
  const key = newToken();
  await store.run(context, async (session) => {
    if (input.orgId) existingOrg((await session.load(orgAggregate, input.orgId)).state);
    const target = await session.load(apiKeyAggregate, input.keyId);
    const events = addApiKey(target.state, { name: input.name, keyHash: hashToken(key), orgId: input.orgId });
    session.append(target, events, input.orgId || INSTANCE_ID);
  });
  return { keyId: input.keyId, key };
}

export async function revokeApiKeyById(store: EventStore, context: CommandContext, keyId: string): Promise<void> {
  await handleCommand(store, context, apiKeyAggregate, keyId, revokeApiKey);
}

import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AddApiKeyRequest, ApiKeyService, RevokeApiKeyRequest } from "../../../gen/lifecycle/apikey/v1/api_key_service_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import { commandContext } from "../context.js";
import type { Deps } from "../../commands/deps.js";
import { createApiKey, revokeApiKeyById } from "../../commands/api-keys.js";

/** Admin RPC for the API keys of the /v1/users surface (instance permission iam.write, see the proto). */
export function apiKeyServiceV1(deps: Deps): ServiceImpl<typeof ApiKeyService> {
  return {
    async addApiKey(req: AddApiKeyRequest, ctx: HandlerContext) {
      return createApiKey(deps.store, commandContext(ctx), { keyId: deps.newId(), name: req.name });
    },
    async revokeApiKey(req: RevokeApiKeyRequest, ctx: HandlerContext) {
      if (!req.keyId || req.keyId.length > 200) throw invalidArgument("APIKEY-id-invalid", "key_id must be 1..200 characters");
      await revokeApiKeyById(deps.store, commandContext(ctx), req.keyId);
      return {};
    },
  };
}

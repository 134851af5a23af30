import { Code, ConnectError, type ConnectRouter, type ConnectRouterOptions, createConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { ContextValues } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import type { Req, Res } from "../http/request.js";
import { withMalformedRequestsRefused } from "./malformed-requests.js";

export interface RpcHandlerOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  readMaxBytes: number;
  contextValues: (req: Req) => ContextValues;
  log: Logger;
}

/**
 * gRPC, gRPC-web and Connect for every registered method, as connect-node's adapter serves them, built from
 * connect's public pieces so that each method's handler can be composed with the malformed-body check.
 * `owns` answers for the entry's path router; a path it does not own is some other surface's.
 */
export function createRpcHandler(options: RpcHandlerOptions) {
  const router = createConnectRouter({ acceptCompression: [compressionGzip, compressionBrotli], ...options });
  options.routes(router);
  const paths = new Map<string, UniversalHandler>(router.handlers.map((handler) => [handler.requestPath, withMalformedRequestsRefused(handler, options.readMaxBytes)]));
  return {
    owns: (path: string) => paths.has(path),
    handle(req: Req, res: Res): void {
      const handler = paths.get((req.url ?? "").split("?", 1)[0]);
      if (!handler) throw new Error(`not an RPC path: ${req.url}`);
      const universal = universalRequestFromNodeRequest(req as never, res as never, undefined, options.contextValues(req));
      handler(universal)
        .then((response) => universalResponseToNodeResponse(response, res as never))
        .catch((reason: unknown) => {
          // Aborted: the client went away and connect ended the stream; nothing is left to answer.
          if (ConnectError.from(reason).code === Code.Aborted) return;
          options.log.error("rpc handler failed", { method: `${handler.service.typeName}/${handler.method.name}`, cause: String(reason) });
        });
    },
  };
}

import { cors } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const ALLOW_HEADERS = [...cors.allowedHeaders, "Authorization", "X-Zitadel-Orgid", "Idempotency-Ref", "X-Api-Key"].join(", ");
const EXPOSE_HEADERS = cors.exposedHeaders.join(", ");
const ALLOW_METHODS = [...new Set([...cors.allowedMethods, "GET", "POST", "PUT", "PATCH", "DELETE"])].join(", ");

/**
 * CORS for browser clients on other origins (CORS_ALLOWED_ORIGINS; `*` allows any). Header lists come from
 * Connect's `cors` helpers, so gRPC-web and Connect trailers and status headers are readable. A preflight
 * from an origin not listed is refused; other requests from it get no CORS headers (the browser blocks them).
 */
export function withCors(allowed: readonly string[], handler: Handler): Handler {
  if (allowed.length === 0) return handler;
  const any = allowed.includes("*");
  return (req, res) => {
    const origin = req.headers.origin;
    const ok = origin !== undefined && (any || allowed.includes(origin));
    if (origin !== undefined) res.setHeader("vary", "Origin");
    if (ok) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", EXPOSE_HEADERS);
    }
    if (req.method === "OPTIONS" && origin !== undefined && req.headers["access-control-request-method"]) {
      if (!ok) {
        res.writeHead(403);
        res.end();
        return;
      }
      res.writeHead(204, { "access-control-allow-methods": ALLOW_METHODS, "access-control-allow-headers": ALLOW_HEADERS, "access-control-max-age": "7200" });
      res.end();
      return;
    }
    handler(req, res);
  };
}

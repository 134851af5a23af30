import type * as http from "node:http";
import type * as http2 from "node:http2";
import { restPrefixes, services } from "../api/routes.js";
// bundled by esbuild, so the served document needs no file next to dist/main.js
import v1Users from "../../openapi/v1-users.json" with { type: "json" };
import { generateOpenApi } from "./openapi.js";

/** The whole REST document as committed in openapi/openapi.json (a test keeps the two equal). */
export function openApiText(): string {
  return JSON.stringify(generateOpenApi({ services, prefixes: restPrefixes, merge: v1Users }), null, 2) + "\n";
}

let text: string | undefined;

/** `GET /openapi.json`: the document is built from the descriptors once, on first use. */
export function serveOpenApi(res: http.ServerResponse | http2.Http2ServerResponse): void {
  text ??= openApiText();
  (res as http.ServerResponse).writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-cache" });
  res.end(text);
}

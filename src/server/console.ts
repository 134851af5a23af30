import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";

// Only these files, by name: nothing under the directory is reachable by path.
const FILES: Record<string, string> = {
  "": "index.html",
  "index.html": "index.html",
  "main.js": "main.js",
  "main.js.map": "main.js.map",
  "style.css": "style.css",
  "favicon.ico": "favicon.ico",
};
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  map: "application/json",
  css: "text/css; charset=utf-8",
  ico: "image/x-icon",
};

const FAVICON = "/favicon.ico";

/** The console's paths, and the site's icon, which browsers ask for at the root. */
export const isConsolePath = (url: string | undefined) => url === "/console" || (url ?? "").startsWith("/console/") || url?.split("?")[0] === FAVICON;

/** Serves the browser console built by `npm run build` (esbuild) from `dir`, default ./dist/console. */
export function consoleHandler(dir: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const name = path === FAVICON ? "favicon.ico" : FILES[path.replace(/^\/console\/?/, "")];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed");
    if (!name) return send(res, 404, "text/plain", "not found");
    try {
      const body = await readFile(join(dir, name));
      res.writeHead(200, {
        "content-type": TYPES[name.split(".").pop()!],
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        // Everything the page loads comes from this server; the API may be another origin (?api=).
        "content-security-policy": "default-src 'self'; connect-src *; img-src 'self' data:; frame-ancestors 'none'",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      send(res, 404, "text/plain", "console not built: run npm run build");
    }
  };
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}

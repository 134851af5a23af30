import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;
export type SurfaceHandler = (req: Req, res: Res) => void | Promise<void>;

/** One surface of the port: the paths it owns, and what serves them. */
export interface Surface {
  name: string;
  /** Decides on the path alone (no query string), and on the method where a surface owns one verb. */
  owns(path: string, method: string): boolean;
  handle: SurfaceHandler;
}

/**
 * The one HTTP entry: every request goes to the first surface that owns its path (probes, metrics, the
 * RPC protocols, `/v1`, SCIM, the console, OpenAPI), else to the last one, the REST gateway, which answers
 * 404 or 405 for what no binding names. The order is the table's, so precedence is visible in one place.
 */
export function createEntry(surfaces: readonly Surface[], fallback: SurfaceHandler): SurfaceHandler {
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    const method = req.method ?? "GET";
    const surface = surfaces.find((s) => s.owns(path, method));
    return (surface?.handle ?? fallback)(req, res);
  };
}

/** The operations of the /v1 surface; the OpenAPI document describes exactly these (a test checks it). */
export const V1_ROUTES = [
  { method: "POST", template: "/v1/users/{user_id}/deactivate", operation: "userDeactivate" },
  { method: "POST", template: "/v1/users/{user_id}/activate", operation: "userActivate" },
  { method: "GET", template: "/v1/openapi.json", operation: "openapi" },
] as const;

export type V1Route = (typeof V1_ROUTES)[number];

export type RouteMatch =
  | { kind: "found"; route: V1Route; params: Record<string, string> }
  | { kind: "not-found" }
  | { kind: "method-not-allowed"; allow: string[] };

/** The paths the server hands to this surface rather than to the RPC protocols or the REST gateway. */
export function isV1SurfacePath(url: string | undefined): boolean {
  const path = (url ?? "").split("?")[0];
  return path.startsWith("/v1/users/") || path === "/v1/openapi.json";
}

/** Matches a raw (still percent-encoded) path; a `{name}` segment matches any one segment, even an empty one. */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.split("/");
  const allow: string[] = [];
  for (const route of V1_ROUTES) {
    const parts = route.template.split("/");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      if (part.startsWith("{")) params[part.slice(1, -1)] = segments[i];
      return part.startsWith("{") || part === segments[i];
    });
    if (!matches) continue;
    if (route.method === method) return { kind: "found", route, params };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: "method-not-allowed", allow } : { kind: "not-found" };
}

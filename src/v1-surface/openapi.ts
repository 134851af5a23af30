// imported, not read from disk: the `npm start` bundle in dist/ has no openapi/ folder beside it
import v1Users from "../../openapi/v1-users.json" with { type: "json" };
import type { Outcome } from "./responses.js";

/** The document in the repository, `openapi/v1-users.json`, served as is. */
const document = `${JSON.stringify(v1Users, null, 2)}\n`;

export function openApiDocument(): Outcome {
  return { status: 200, body: document, headers: { "cache-control": "no-cache" } };
}

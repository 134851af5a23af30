import { readFileSync } from "node:fs";
import type { Outcome } from "./responses.js";

/** The document in the repository, `openapi/v1-users.json`, read once and served as is. */
export const OPENAPI_FILE = new URL("../../openapi/v1-users.json", import.meta.url);

let document: string | undefined;

export function openApiDocument(): Outcome {
  document ??= readFileSync(OPENAPI_FILE, "utf8");
  return { status: 200, body: document, headers: { "cache-control": "no-cache" } };
}

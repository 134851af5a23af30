import { decodeSegment, errorOutcome, invalidSyntax, type Outcome, ScimError } from "./errors.js";
import { field } from "./input.js";
import type { ScimRequest } from "./operations.js";

export const BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Replaces every `bulkId:<id>` string in a value with the id that operation created. */
function resolve(value: unknown, ids: Map<string, string | undefined>): unknown {
  if (typeof value === "string" && value.startsWith("bulkId:")) {
    const id = ids.get(value.slice("bulkId:".length));
    if (id === undefined) throw new ScimError(409, "invalidValue", `${value} names no operation that created a resource before it`);
    return id;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, ids));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, ids)]));
  return value;
}

/**
 * RFC 7644 §3.7: the operations run in order, each as its own request (its own transaction, as ZITADEL's);
 * `bulkId:` references resolve to ids created earlier in the same request; after `failOnErrors` failures the
 * rest are not run.
 */
export async function runBulk(
  body: unknown,
  maxOperations: number,
  run: (req: Pick<ScimRequest, "method" | "segments" | "body" | "ifMatch">) => Promise<Outcome>,
  baseUrl: string,
): Promise<Outcome> {
  if (!isObject(body)) throw invalidSyntax("A BulkRequest must be a JSON object");
  const operations = field(body, "Operations");
  if (!Array.isArray(operations)) throw invalidSyntax("Operations must be an array");
  if (operations.length > maxOperations) throw new ScimError(413, undefined, `At most ${maxOperations} operations per Bulk request (maxOperations)`);
  const failOnErrors = field(body, "failOnErrors");
  if (failOnErrors !== undefined && (!Number.isSafeInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw invalidSyntax("failOnErrors must be a positive integer");
  }
  const ids = new Map<string, string | undefined>();
  const results: Json[] = [];
  let errors = 0;
  for (const raw of operations) {
    if (failOnErrors !== undefined && errors >= (failOnErrors as number)) break;
    const op = isObject(raw) ? raw : {};
    const method = String(field(op, "method") ?? "").toUpperCase();
    const bulkId = field(op, "bulkId");
    const version = field(op, "version");
    let outcome: Outcome;
    try {
      if (!["POST", "PUT", "PATCH", "DELETE"].includes(method)) throw invalidSyntax("method must be POST, PUT, PATCH or DELETE");
      if (method === "POST" && typeof bulkId !== "string") throw invalidSyntax("A POST operation needs a bulkId");
      const path = field(op, "path");
      if (typeof path !== "string" || !path.startsWith("/")) throw invalidSyntax("path must start with /");
      const segments = path.slice(1).split("/").map((s) => resolve(decodeSegment(s), ids) as string);
      if (segments[0] !== "Users") throw new ScimError(404, undefined, "Bulk operations address /Users only");
      outcome = await run({ method, segments, body: resolve(field(op, "data"), ids), ifMatch: typeof version === "string" ? version : undefined });
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      outcome = errorOutcome(error.status, error.message, error.scimType);
    }
    const response = outcome.body ? (JSON.parse(outcome.body) as Json) : undefined;
    const failed = outcome.status >= 400;
    if (failed) errors++;
    if (typeof bulkId === "string") ids.set(bulkId, method === "POST" && !failed ? String(response?.id) : ids.get(bulkId));
    const location = !failed && response && typeof response.id === "string" ? `${baseUrl}/Users/${encodeURIComponent(response.id)}` : undefined;
    results.push({
      method,
      ...(typeof bulkId === "string" ? { bulkId } : {}),
      ...(location ? { location } : {}),
      ...(outcome.headers?.etag ? { version: outcome.headers.etag } : {}),
      status: String(outcome.status),
      ...(failed ? { response } : {}),
    });
  }
  return { status: 200, body: JSON.stringify({ schemas: [BULK_RESPONSE_SCHEMA], Operations: results }) };
}

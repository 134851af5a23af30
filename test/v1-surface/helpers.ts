import { sql } from "kysely";
import { ApiKeyService } from "../../gen/lifecycle/apikey/v1/api_key_service_pb.js";
import type { Db } from "../../src/db/database.js";
import type { Logger } from "../../src/logger.js";
import { type Clients, expectOk } from "../harness/clients.js";
import { unique } from "../harness/fixtures.js";

export interface V1Result {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: any;
  text: string;
  headers: Headers;
}

export interface V1Options {
  apiKey?: string;
  token?: string;
  ref?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** One request to the /v1 surface with fetch, as an admin tool would send it. */
export async function v1(baseUrl: string, method: string, path: string, options: V1Options = {}): Promise<V1Result> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.ref !== undefined) headers["idempotency-ref"] = options.ref;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(new URL(path, baseUrl), { method, headers, body: options.body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text, headers: response.headers };
}

export const deactivatePath = (userId: string) => `/v1/users/${userId}/deactivate`;
export const activatePath = (userId: string) => `/v1/users/${userId}/activate`;

/** A new API key through the admin RPC (the bootstrap admin holds iam.write). */
export async function addApiKey(clients: Clients, adminToken: string, name = unique("app")) {
  return expectOk(await clients.call("connect-json", ApiKeyService, "addApiKey", { name }, adminToken));
}

/** How many events of this type the user's stream holds: what really executed. */
export async function countEvents(db: Db, userId: string, type: string): Promise<number> {
  const row = await db
    .selectFrom("events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("aggregate_type", "=", "user")
    .where("aggregate_id", "=", userId)
    .where("type", "=", type)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function userState(db: Db, userId: string): Promise<string | undefined> {
  return (await db.selectFrom("users_v1").select("state").where("id", "=", userId).executeTakeFirst())?.state;
}

/** Moves an idempotency record back in time, as if it had been written `seconds` ago. */
export async function ageRecord(db: Db, ref: string, seconds: number): Promise<void> {
  await sql`update idempotency_records set created_at = now() - make_interval(secs => ${seconds}) where ref = ${ref}`.execute(db);
}

/** A logger that keeps what it is told, to check what reaches the log and what does not. */
export function capturingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

import { sql } from "kysely";
import { Code } from "@connectrpc/connect";
import { SessionService } from "../../gen/zitadel/session/v2/session_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import type { Db } from "../../src/db/database.js";
import type { Logger } from "../../src/logger.js";
import { type Clients, expectOk, type RpcProtocol } from "../harness/clients.js";
import { addHuman, unique } from "../harness/fixtures.js";

export const PASSWORD = "Correct-Horse-9";
export const WRONG = "Wrong-Horse-9";

/** An ACTIVE human with a password (unverified email: the password alone makes it active). */
export function newHumanWithPassword(clients: Clients, adminToken: string, orgId: string, password = PASSWORD) {
  return addHuman(clients, adminToken, orgId, { password, prefix: "login", givenName: "Ada", familyName: "Lovelace" });
}

export function login(
  clients: Clients,
  adminToken: string,
  user: { userId?: string; loginName?: string },
  /** null: a user check only */
  password: string | null = PASSWORD,
  protocol: RpcProtocol = "connect-json",
  extra: { lifetimeSeconds?: number } = {},
) {
  const search = user.userId !== undefined ? { case: "userId" as const, value: user.userId } : { case: "loginName" as const, value: user.loginName ?? "" };
  return clients.call(
    protocol,
    SessionService,
    "createSession",
    {
      checks: { user: { search }, password: password === null ? undefined : { password } },
      lifetime: extra.lifetimeSeconds === undefined ? undefined : { seconds: BigInt(extra.lifetimeSeconds) },
    },
    adminToken,
  );
}

/** True when the token authenticates a call: its own session is readable with it, or at least not Unauthenticated. */
export async function authenticates(clients: Clients, token: string, sessionId = "0"): Promise<boolean> {
  const res = await clients.call("grpc", SessionService, "getSession", { sessionId }, token);
  if (res.ok) return true;
  return res.code !== Code.Unauthenticated;
}

/** The error text as sent; grpc-js leaves URI-reserved characters percent-encoded. */
export function messageOf(res: { ok: boolean; text?: string }): string {
  return res.ok ? "" : decodeURIComponent(res.text ?? "");
}

export async function userEvents(db: Db, userId: string) {
  const { rows } = await sql<{ type: string; payload: Record<string, unknown>; creator: string }>`
    select type, payload, creator from events where aggregate_type = 'user' and aggregate_id = ${userId} order by sequence`.execute(db);
  return rows;
}

export const countOf = (events: { type: string }[], type: string) => events.filter((e) => e.type === type).length;

/** A logger that keeps every line, to prove what never gets logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  return { lines, info: record("info"), warn: record("warn"), error: record("error") };
}


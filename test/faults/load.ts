import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { OrganizationService } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import type { Db } from "../../src/db/database.js";
import { rebuildProjections } from "../../src/projections/rebuild.js";
import { projections } from "../../src/projections/registry.js";
import { Clients, expectOk } from "../harness/clients.js";
import { unique } from "../harness/fixtures.js";

/** One acknowledged command: the event it must have left in the log. */
export interface Ack {
  userId: string;
  sequence: number;
  type: "user.locked" | "user.unlocked";
}

export interface LoadFigures {
  sent: number;
  acknowledged: number;
  unavailable: number;
  /** FailedPrecondition after an unacknowledged command that did commit: expected, resynchronised. */
  preconditions: number;
  /** 5xx (REST) or Internal/Unknown/DataLoss (RPC): never expected. */
  serverErrors: number;
  /** No answer within the client's guard timeout: never expected. */
  hung: number;
  /** The connection to the server failed, or the call was in flight when the server was killed (SIGKILL test). */
  network: number;
  /** Other codes, for the record. */
  other: Record<string, number>;
  /** Failed calls' durations, ms (for the bounded-failure check). */
  failureMs: number[];
  /** Attempts that failed with Unavailable or a network error and were sent again (runLoad's `retries`). */
  retried: number;
}

const PROTOCOLS = ["grpc", "connect-json", "rest"] as const;
const SERVER_ERRORS = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);
const CLIENT_TRANSPORT_ERROR = /\b(EPIPE|ECONNRESET|ECONNREFUSED)\b|socket hang up|other side closed|premature close/i;

export function newFigures(): LoadFigures {
  return { sent: 0, acknowledged: 0, unavailable: 0, preconditions: 0, serverErrors: 0, hung: 0, network: 0, other: {}, failureMs: [], retried: 0 };
}

/** An organization with one ACTIVE machine user per worker (so workers never contend). */
export async function seedUsers(clients: Clients, token: string, count: number): Promise<string[]> {
  const org = expectOk(await clients.call("connect-json", OrganizationService, "addOrganization", { name: unique("faults") }, token));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = expectOk(
      await clients.call("connect-json", UserService, "createUser", {
        organizationId: org.organizationId,
        userType: { case: "machine", value: { name: unique("load") } },
      }, token),
    );
    ids.push(created.id);
  }
  return ids;
}

type Outcome = { ok: true; sequence: number } | { ok: false; code: Code | "hung" | "network"; http?: number; text?: string };

async function command(clients: Clients, url: string, token: string, protocol: (typeof PROTOCOLS)[number], lock: boolean, userId: string, guardMs: number): Promise<Outcome> {
  const guard = new Promise<Outcome>((resolve) => setTimeout(() => resolve({ ok: false, code: "hung" }), guardMs).unref());
  if (protocol === "rest") {
    const call = fetch(`${url}/v2/users/${userId}/${lock ? "lock" : "unlock"}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(guardMs),
    }).then(
      async (res): Promise<Outcome> => {
        const body = (await res.json().catch(() => ({}))) as { details?: { sequence?: string }; code?: number };
        if (res.ok) return { ok: true, sequence: Number(body.details?.sequence) };
        // A load balancer's own answer (no gRPC code in the body): the instance behind it was unreachable.
        if (typeof body.code !== "number" && [502, 503, 504].includes(res.status)) return { ok: false, code: Code.Unavailable, http: res.status };
        return { ok: false, code: (body.code ?? Code.Unknown) as Code, http: res.status };
      },
      (error: unknown): Outcome => ({ ok: false, code: (error as Error).name === "TimeoutError" ? "hung" : "network", text: String((error as Error).cause ?? error) }),
    );
    return Promise.race([call, guard]);
  }
  const call = clients
    .call(protocol, UserService, lock ? "lockUser" : "unlockUser", { userId }, token)
    .then((r): Outcome => {
      if (r.ok) return { ok: true, sequence: Number(r.message.details?.sequence) };
      // The client's own socket error on a connection the server dropped (connect-es calls it Internal):
      // no answer came from the server at all.
      if (CLIENT_TRANSPORT_ERROR.test(r.text)) return { ok: false, code: "network", text: r.text };
      return { ok: false, code: r.code, text: `${protocol}: ${r.text}` };
    });
  return Promise.race([call, guard]);
}

/**
 * Workers toggle their user between locked and unlocked over gRPC, Connect JSON and REST until `total`
 * commands are sent or `stop()` says so. Every acknowledged command is recorded with its sequence.
 */
export async function runLoad(options: {
  url: string;
  token: string;
  userIds: string[];
  total: number;
  figures: LoadFigures;
  acks: Ack[];
  stop?: () => boolean;
  guardMs?: number;
  /** Pause between one worker's commands, to stretch a bounded number of commands over the faults. */
  gapMs?: number;
  /** When the server was killed: a failure that arrives after it was cut off, whatever the client made of it. */
  killedAt?: () => number | undefined;
  /** Send a command again this many times after Unavailable or a network error, as a retrying client does. */
  retries?: number;
}): Promise<void> {
  const { figures, acks } = options;
  const clients = new Clients(options.url);
  let budget = options.total;
  const worker = async (userId: string, w: number) => {
    let locked = false;
    for (let i = w; budget > 0 && !options.stop?.(); i++) {
      budget--;
      const protocol = PROTOCOLS[i % PROTOCOLS.length];
      const started = Date.now();
      figures.sent++;
      let outcome = await command(clients, options.url, options.token, protocol, !locked, userId, options.guardMs ?? 60_000);
      for (let attempt = 0; attempt < (options.retries ?? 0) && !outcome.ok && (outcome.code === "network" || outcome.code === Code.Unavailable); attempt++) {
        figures.retried++;
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        outcome = await command(clients, options.url, options.token, protocol, !locked, userId, options.guardMs ?? 60_000);
      }
      if (outcome.ok) {
        figures.acknowledged++;
        acks.push({ userId, sequence: outcome.sequence, type: locked ? "user.unlocked" : "user.locked" });
        locked = !locked;
      } else {
        figures.failureMs.push(Date.now() - started);
        if (process.env.LOAD_DEBUG) console.log(`[load] ${protocol} ${String(outcome.code)} ${outcome.http ?? ""} ${outcome.text ?? ""}`);
        const killedAt = options.killedAt?.();
        if (outcome.code === "network" || (killedAt !== undefined && Date.now() >= killedAt)) figures.network++;
        else if (outcome.code === "hung") figures.hung++;
        else if (outcome.code === Code.Unavailable) figures.unavailable++;
        else if (outcome.code === Code.FailedPrecondition) {
          // An unanswered command had committed after all: the user is already in the other state.
          figures.preconditions++;
          locked = !locked;
        } else if (SERVER_ERRORS.has(outcome.code) || (outcome.http ?? 0) >= 500) {
          figures.serverErrors++;
          console.log(`[faults] server error: ${outcome.http ?? ""} ${Code[outcome.code as Code]} ${outcome.text ?? ""}`);
        } else figures.other[Code[outcome.code]] = (figures.other[Code[outcome.code]] ?? 0) + 1;
      }
      if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
    }
  };
  try {
    await Promise.all(options.userIds.map(worker));
  } finally {
    clients.close();
  }
}

/** What a consistency check found; every number must be 0. */
export interface Consistency {
  lost: number;
  duplicates: number;
  gaps: number;
  readModelDiffs: number;
}

async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {};
  for (const table of new Set(projections.map((p) => p.table))) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    tables[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return tables;
}

/**
 * Every acknowledged command is in the log (its user's event at its sequence, of its type); each stream's
 * sequences are 1..n with no gap or duplicate; the read models equal a rebuild from the events.
 */
export async function checkConsistency(db: Db, acks: Ack[]): Promise<Consistency> {
  const { rows: events } = await sql<{ aggregate_id: string; sequence: number; type: string }>`
    select aggregate_id, sequence::int as sequence, type from events`.execute(db);
  const byKey = new Map<string, string[]>();
  for (const e of events) {
    const key = `${e.aggregate_id}/${e.sequence}`;
    byKey.set(key, [...(byKey.get(key) ?? []), e.type]);
  }
  const lost = acks.filter((a) => !byKey.get(`${a.userId}/${a.sequence}`)?.includes(a.type)).length;
  const duplicates = [...byKey.values()].filter((types) => types.length > 1).length;
  const { rows: gapRows } = await sql<{ n: number }>`
    select count(*)::int as n from (
      select aggregate_type, aggregate_id, count(*) as c, max(sequence) as m from events group by 1, 2
    ) s where s.c <> s.m`.execute(db);
  const before = await snapshot(db);
  await rebuildProjections(db, projections);
  const after = await snapshot(db);
  let readModelDiffs = 0;
  for (const table of Object.keys(before)) {
    const a = new Set(before[table]);
    const b = new Set(after[table]);
    readModelDiffs += [...a].filter((r) => !b.has(r)).length + [...b].filter((r) => !a.has(r)).length;
  }
  return { lost, duplicates, gaps: gapRows[0].n, readModelDiffs };
}

import { beforeAll, expect } from "vitest";
import { rest } from "../harness/clients.js";
import type { OnDatabase } from "../harness/on-databases.js";
import http2 from "node:http2";
import { sql } from "kysely";
import type { TestServer } from "../harness/server.js";

/** Every event in the log; a refused call must leave this unchanged. */
export async function countEvents(server: TestServer): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from events`.execute(server.app.database.db);
  return Number(rows[0].n);
}

/** A gRPC frame: compressed flag, big-endian length, payload. */
export function grpcFrame(payload: Uint8Array, flag = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export interface RawGrpcResult {
  httpStatus: number;
  grpcStatus: number | undefined;
  message: string;
}

/** One raw gRPC call over h2c (grpc-js would refuse to send most of what the fault tests send). */
export function rawGrpc(url: string, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawGrpcResult> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let httpStatus = 0;
    let grpcStatus: number | undefined;
    let message = "";
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) grpcStatus = Number(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
    };
    req.on("response", (h) => {
      httpStatus = Number(h[":status"]);
      take(h);
    });
    req.on("trailers", take);
    req.on("error", reject);
    req.resume();
    req.on("close", () => {
      session.close();
      resolve({ httpStatus, grpcStatus, message });
    });
    req.end(body);
  });
}

export interface WireResult {
  /** HTTP status of the response */
  status: number;
  /** gRPC / gRPC-web status, or the Connect error code string; undefined on Connect success */
  code: number | string | undefined;
  message: string;
}

/** A raw gRPC-web call over HTTP/1.1: the status is in the headers (trailers-only) or in the final 0x80 frame. */
export async function rawGrpcWeb(url: string, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<WireResult> {
  const res = await fetch(new URL(path, url), {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...headers },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(30_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let fields: Record<string, string> = {};
  const inHeader = res.headers.get("grpc-status");
  if (inHeader !== null) fields = { "grpc-status": inHeader, "grpc-message": res.headers.get("grpc-message") ?? "" };
  for (let at = 0; at + 5 <= bytes.length; ) {
    const len = bytes.readUInt32BE(at + 1);
    if (bytes[at] & 0x80) {
      for (const line of bytes.subarray(at + 5, at + 5 + len).toString("utf8").split("\r\n")) {
        const i = line.indexOf(":");
        if (i > 0) fields[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
    }
    at += 5 + len;
  }
  const code = fields["grpc-status"];
  return { status: res.status, code: code === undefined ? undefined : Number(code), message: decodeURIComponent(fields["grpc-message"] ?? "") };
}

/** A raw Connect unary call: any content type and body. */
export async function rawConnect(url: string, path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<WireResult> {
  const res = await fetch(new URL(path, url), { method: "POST", headers: { "content-type": "application/proto", ...headers }, body: typeof body === "string" ? body : new Uint8Array(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status === 200) return { status: 200, code: undefined, message: "" };
  let parsed: { code?: string; message?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not a Connect error body
  }
  return { status: res.status, code: parsed.code, message: parsed.message ?? text };
}

/**
 * For a suite that sends garbage: the admin's auth header, and the number of events before the garbage.
 * The token's first call of the day records the admin's activity (one event), so that call is made first.
 */
export function beforeGarbage(t: OnDatabase) {
  const state = { auth: {} as Record<string, string>, eventsBefore: 0 };
  beforeAll(async () => {
    state.auth = { authorization: `Bearer ${t.adminToken}` };
    expect((await rest(t.url, "GET", "/v2/users/none", { token: t.adminToken })).status).toBe(404);
    state.eventsBefore = await countEvents(t.server);
  });
  return state;
}

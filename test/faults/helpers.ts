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

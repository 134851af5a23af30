import type * as http from "node:http";
import type { Req, Res } from "./request.js";

/** A response of a plain HTTP surface; `body` is JSON text (undefined: no body, as for 204). */
export interface Outcome {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export const jsonOutcome = (status: number, body: unknown, headers?: Record<string, string>): Outcome => ({ status, body: JSON.stringify(body), headers });

/** Writes an outcome; `contentType` names the surface's JSON media type. */
export function send(req: Req, res: Res, outcome: Outcome, contentType: string): void {
  const headers: Record<string, string | number> = { ...outcome.headers };
  if (outcome.body !== undefined) {
    headers["content-type"] = contentType;
    headers["content-length"] = Buffer.byteLength(outcome.body);
  }
  // The rest of an oversized body is never read, so an HTTP/1.1 connection cannot be reused.
  if (outcome.status === 413 && req.httpVersionMajor < 2) headers.connection = "close";
  (res as http.ServerResponse).writeHead(outcome.status, headers);
  res.end(outcome.body ?? "");
}

import type * as http from "node:http";
import type * as http2 from "node:http2";

export type Req = http.IncomingMessage | http2.Http2ServerRequest;
export type Res = http.ServerResponse | http2.Http2ServerResponse;

/** A request header's first value. */
export function header(req: Req, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The token of `Authorization: Bearer <token>`; undefined for any other scheme or none. */
export function bearerToken(req: Req): string | undefined {
  const [scheme, token] = (header(req, "authorization") ?? "").split(" ");
  return scheme?.toLowerCase() === "bearer" && token ? token : undefined;
}

/**
 * Reads the request body up to `limit` bytes; `undefined` when it is larger (and stops reading). Rejects when
 * the client goes away before the body ends, so no request waits for bytes that will never come.
 */
export function readBody(req: Req, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers["content-length"]) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      req.pause();
      resolve(undefined);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    req.once("close", () => reject(new Error("the request was aborted before its body ended")));
  });
}

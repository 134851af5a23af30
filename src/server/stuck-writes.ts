import type http from "node:http";
import type http2 from "node:http2";

/**
 * A server stream's writer (connect-node's) waits for "drain" or "error" after a write the connection did
 * not take at once. A connection that dies without an error (the socket destroyed, the HTTP/2 session
 * torn down while the client had stopped reading) sends neither, and the call would wait forever, holding
 * its handler, its database reader and its memory. A response that closes unfinished fails such a waiting
 * writer, as a write to it would; with nobody waiting there is nothing to fail.
 */
export function failStuckWritesOnClose(res: http.ServerResponse | http2.Http2ServerResponse): void {
  res.once("close", () => {
    // (HTTP/2's compat response also emits "finish" when its stream closes early: ask whether it was ended.)
    if (res.writableEnded || res.listenerCount("error") === 0) return;
    const error = Object.assign(new Error("the connection closed before the response was sent"), { code: "ERR_STREAM_DESTROYED" });
    res.emit("error", error);
  });
}

import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { failStuckWritesOnClose } from "./stuck-writes.js";

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface ListenOptions {
  handler: RequestHandler;
  /** 0 = ephemeral */
  port: number;
  host: string;
  /** PEM; when given, serve TLS with ALPN h2 + http/1.1. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Slowloris protection: time allowed to complete request headers (HTTP/1.1) or to send the first bytes. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time allowed to receive a whole HTTP/1.1 request. Default 60 s. */
  requestTimeoutMs?: number;
  /** Default 16 KiB. */
  maxHeaderSize?: number;
  /** A connection with no bytes (HTTP/1.1) or frames (HTTP/2) either way for this long is closed. Default 60 s; 0 = never. */
  idleTimeoutMs?: number;
  /** Concurrent streams per HTTP/2 session (SETTINGS_MAX_CONCURRENT_STREAMS). Default 100. */
  maxConcurrentStreams?: number;
  /** Memory nghttp2 may use per HTTP/2 session before new streams are refused, in MB. Default 10. */
  maxSessionMemoryMb?: number;
  /** Open connections beyond this are closed at once. Default 10,000; 0 = no cap. */
  maxConnections?: number;
}

export interface RunningServer {
  port: number;
  url: string;
  /** Stop accepting, let in-flight requests finish (HTTP/2 sessions get GOAWAY, idle keep-alive sockets are closed), destroy what is left after graceMs. Resolves when everything is closed. */
  close(graceMs?: number): Promise<void>;
}

const PREFACE = Buffer.from("PRI ", "latin1");
const noop = () => {};

export async function listen(options: ListenOptions): Promise<RunningServer> {
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  let headersTimeout = options.headersTimeoutMs ?? 10_000;
  // node's http server throws if headersTimeout > requestTimeout.
  if (requestTimeout > 0 && headersTimeout > requestTimeout) headersTimeout = requestTimeout;
  const maxHeaderSize = options.maxHeaderSize ?? 16 * 1024;
  const idleTimeout = options.idleTimeoutMs ?? 60_000;

  let closing = false;
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const sniffing = new Set<net.Socket>();

  const onRequest = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    if (res instanceof http.ServerResponse) {
      if (closing) res.setHeader("Connection", "close");
      // A keep-alive socket only becomes idle after its response; close it then rather than at the grace deadline.
      res.once("close", () => {
        if (closing) setImmediate(() => h1.closeIdleConnections());
      });
    }
    failStuckWritesOnClose(res);
    options.handler(req, res);
  };

  const h1 = http.createServer(
    {
      maxHeaderSize,
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeout / 4))),
    },
    onRequest,
  );
  // This server never listen()s itself; node starts connection tracking (which enforces headersTimeout /
  // requestTimeout and makes closeIdleConnections work) on its "listening" event.
  h1.emit("listening");
  // Without a "timeout" listener node destroys the socket; the timer restarts on every byte either way.
  h1.setTimeout(idleTimeout);
  // An idle keep-alive connection lasts the idle timeout too, not node's own 5 s (0: node's "no timeout").
  h1.keepAliveTimeout = idleTimeout;

  const h2 = http2.createServer(
    {
      settings: { maxHeaderListSize: maxHeaderSize, maxConcurrentStreams: options.maxConcurrentStreams ?? 100 },
      maxSessionMemory: options.maxSessionMemoryMb ?? 10,
    },
    onRequest,
  );
  // node's h2 server has no idle timeout of its own. The session timer restarts on every frame read or
  // written, so a long response that keeps sending (a server stream) is not idle.
  h2.setTimeout(idleTimeout);
  h2.on("timeout", (session: http2.ServerHttp2Session) => {
    session.close();
    setTimeout(() => session.destroy(), 1000).unref();
  });
  // A stream whose request body never ends would hold its slot (and memory) for good: reset it after
  // requestTimeout, as HTTP/1.1 does with a 408. The time limit covers only the upload, not the answer.
  h2.on("stream", (stream: http2.ServerHttp2Stream) => {
    if (requestTimeout <= 0 || stream.endAfterHeaders) return;
    const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), requestTimeout);
    const clear = () => clearTimeout(timer);
    stream.once("end", clear);
    stream.once("close", clear);
  });
  h2.on("session", (session) => {
    // node's session timer ignores PING frames; a client's keepalive pings are activity all the same
    if (idleTimeout > 0) session.on("ping", () => session.setTimeout(idleTimeout));
    sessions.add(session);
    session.on("error", noop);
    session.once("close", () => sessions.delete(session));
    if (closing) session.close();
  });
  h2.on("sessionError", noop);

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("error", noop);
    socket.once("close", () => sockets.delete(socket));
  };

  // Prior-knowledge h2c and HTTP/1.1 share the port, so look at the first bytes to tell them apart.
  const sniff = (socket: net.Socket) => {
    track(socket);
    sniffing.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => onEnd(), headersTimeout || 10_000);
    const stop = () => {
      clearTimeout(timer);
      sniffing.delete(socket);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", stop);
    };
    const onEnd = () => {
      stop();
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && n < PREFACE.length) return;
      stop();
      socket.pause();
      // Both servers take over the socket's native handle, so the bytes already read must be handed over:
      // the http2 session drains the socket's readable buffer on creation (unshift works), while the http1
      // parser ignores that buffer but does listen for "data" events.
      if (isH2) {
        socket.unshift(head);
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.emit("data", head);
      }
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", stop);
  };

  let server: net.Server;
  if (options.tls) {
    const tlsServer = tls.createServer({
      cert: options.tls.cert,
      key: options.tls.key,
      ALPNProtocols: ["h2", "http/1.1"],
      handshakeTimeout: headersTimeout || 10_000,
    });
    tlsServer.on("connection", (raw: net.Socket) => track(raw));
    tlsServer.on("tlsClientError", noop);
    tlsServer.on("secureConnection", (socket: tls.TLSSocket) => {
      track(socket);
      if (closing) socket.destroy();
      else if (socket.alpnProtocol === "h2") h2.emit("connection", socket);
      else h1.emit("connection", socket);
    });
    server = tlsServer;
  } else {
    server = net.createServer(sniff);
  }
  server.on("error", noop);
  const maxConnections = options.maxConnections ?? 10_000;
  if (maxConnections > 0) server.maxConnections = maxConnections;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });

  const port = (server.address() as net.AddressInfo).port;
  const host =
    options.host === "0.0.0.0" || options.host === "::" || options.host === ""
      ? "127.0.0.1"
      : net.isIPv6(options.host)
        ? `[${options.host}]`
        : options.host;

  let closed: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      const drained = new Promise<void>((r) => server.close(() => r()));
      for (const socket of sniffing) socket.destroy();
      for (const session of sessions) session.close();
      h1.close();
      const force = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      void drained.then(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return closed;
  };

  return { port, url: `${options.tls ? "https" : "http"}://${host}:${port}`, close };
}

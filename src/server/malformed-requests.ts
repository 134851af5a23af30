import { type DescMessage, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression, UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";

/**
 * connect-es reports a request body it cannot decode as Code.Internal (binary protobuf, a compressed
 * frame without an encoding, a truncated gzip stream) or Unimplemented (no message, two messages for a
 * unary call), and ignores unknown frame flags. All of these are the client's fault. This checks a body
 * before connect-es parses it and raises InvalidArgument from the body stream itself, so that each
 * protocol reports it in its own format (Connect: 400 JSON, gRPC and gRPC-web: grpc-status 3). It wraps a
 * handler of the router; the router's own list is left as connect built it.
 */
export function withMalformedRequestsRefused(handler: UniversalHandler, readMaxBytes: number): UniversalHandler {
  if (handler.method.methodKind !== "unary" && handler.method.methodKind !== "server_streaming") return handler;
  const checked = (req: UniversalServerRequest) => handler(withCheckedBody(req, handler.method.input, readMaxBytes));
  return Object.assign(checked, { ...handler });
}

const compressions: Record<string, Compression> = { gzip: compressionGzip, br: compressionBrotli };

interface Framing {
  /** gRPC, gRPC-web and Connect streaming put messages in 5-byte-prefixed frames; Connect unary does not */
  enveloped: boolean;
  /** JSON bodies are left to connect-es, which already answers InvalidArgument for them */
  binary: boolean;
  encodingHeader: string;
}

function framingOf(contentType: string): Framing | undefined {
  const grpc = /^application\/(grpc|grpc-web|connect)(\+(proto|json))?(;.*)?$/i.exec(contentType);
  if (grpc) {
    const family = grpc[1].toLowerCase();
    if (family === "connect" && !grpc[3]) return undefined;
    return { enveloped: true, binary: grpc[3]?.toLowerCase() !== "json", encodingHeader: family === "connect" ? "connect-content-encoding" : "grpc-encoding" };
  }
  if (/^application\/proto(;.*)?$/i.test(contentType)) return { enveloped: false, binary: true, encodingHeader: "content-encoding" };
  return undefined;
}

function withCheckedBody(req: UniversalServerRequest, input: DescMessage, readMaxBytes: number): UniversalServerRequest {
  // an empty encoding header names no encoding; connect-es would answer Unimplemented for ""
  for (const name of ["content-encoding", "grpc-encoding", "connect-content-encoding"]) {
    if (req.header.get(name)?.trim() === "") req.header.delete(name);
  }
  const framing = framingOf(req.header.get("content-type") ?? "");
  const body = req.body;
  if (!framing || req.method !== "POST" || body === null || typeof body !== "object" || !(Symbol.asyncIterator in body)) return req;
  const encoding = req.header.get(framing.encodingHeader) ?? "identity";
  // connect-es answers an unknown encoding itself (Unimplemented, with the accepted list)
  if (encoding !== "identity" && !compressions[encoding]) return req;
  const check = (bytes: Uint8Array) => (framing.enveloped ? checkFrames(bytes, framing, encoding, input, readMaxBytes) : checkMessage(bytes, framing, encoding, input, readMaxBytes));
  return { ...req, body: checked(body as AsyncIterable<Uint8Array>, check, readMaxBytes) };
}

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

/** Buffers the body (a unary request is read whole anyway), checks it, then hands the same bytes on. */
async function* checked(body: AsyncIterable<Uint8Array>, check: (bytes: Uint8Array) => Promise<void>, readMaxBytes: number): AsyncIterable<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.byteLength;
    // too large: connect-es answers ResourceExhausted; pass everything through unchecked
    if (size > readMaxBytes + 5) {
      yield* chunks;
      for (let rest = await it.next(); !rest.done; rest = await it.next()) yield rest.value;
      return;
    }
  }
  const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  await check(bytes);
  yield bytes;
}

async function decode(payload: Uint8Array, framing: Framing, encoding: string, input: DescMessage, readMaxBytes: number): Promise<void> {
  if (encoding !== "identity") {
    try {
      payload = await compressions[encoding].decompress(payload, readMaxBytes);
    } catch (e) {
      const error = ConnectError.from(e);
      throw error.code === Code.ResourceExhausted ? error : invalid(`cannot decompress the request (${encoding}): ${error.rawMessage}`);
    }
  }
  if (!framing.binary) return;
  try {
    fromBinary(input, payload);
  } catch (e) {
    throw invalid(`malformed protobuf request: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkMessage(bytes: Uint8Array, framing: Framing, encoding: string, input: DescMessage, readMaxBytes: number): Promise<void> {
  return decode(bytes, framing, encoding, input, readMaxBytes);
}

async function checkFrames(bytes: Uint8Array, framing: Framing, encoding: string, input: DescMessage, readMaxBytes: number): Promise<void> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let at = 0; at < bytes.byteLength; count++) {
    if (bytes.byteLength - at < 5) throw invalid(`truncated frame: ${bytes.byteLength - at} bytes where a 5-byte frame header was expected`);
    const flags = bytes[at];
    const length = view.getUint32(at + 1);
    if (at + 5 + length > bytes.byteLength) throw invalid(`frame promises ${length} bytes, ${bytes.byteLength - at - 5} arrived`);
    const payload = bytes.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    if (flags !== 0 && flags !== 1) throw invalid(`unknown frame flags 0x${flags.toString(16)} in a request`);
    const compressed = flags === 1;
    if (compressed && encoding === "identity") throw invalid(`compressed frame without ${framing.encodingHeader}`);
    await decode(payload, framing, compressed ? encoding : "identity", input, readMaxBytes);
  }
  if (count !== 1) throw invalid(count === 0 ? "the request has no message" : `${count} request messages where one was expected`);
}

import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { type AddressPolicy, refusal } from "../domain/action/address-policy.js";

export interface SendResult {
  /** Undefined when no response came (refused address, connection error, timeout). */
  status?: number;
  error?: string;
  latencyMs: number;
  /** The first bytes of the answer, for the delivery log. */
  body?: string;
}

/** Resolves like the system does, then drops every refused address, so a name cannot point us at metadata. */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const allowed = addresses.filter((a) => !refusal(a.address, policy));
      if (allowed.length === 0) {
        const why = refusal(addresses[0]?.address ?? hostname, policy) ?? "no address";
        return callback(Object.assign(new Error(`refused address: ${why}`), { code: "EREFUSED_ADDRESS" }), "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

// Connections to receivers are kept open between deliveries: a new TCP (and TLS) handshake per event would
// cost more than the event. An idle connection is closed after 4 s, before the common server default (5 s)
// could close it under a request.
const agents = {
  "http:": new http.Agent({ keepAlive: true, timeout: 4_000, maxFreeSockets: 16, scheduling: "lifo" }),
  "https:": new https.Agent({ keepAlive: true, timeout: 4_000, maxFreeSockets: 16, scheduling: "lifo" }),
};

/** Whether a request failed because the kept-open connection it reused was closed by the receiver meanwhile. */
const staleConnection = (request: http.ClientRequest, error: NodeJS.ErrnoException) => request.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");

/**
 * One POST: the target's timeout covers connecting, sending and the whole answer; redirects are not
 * followed (a 3xx is a failed attempt); at most `bodyLimit` bytes of the answer are read, then the
 * connection is dropped. A slow, trickling or endless receiver costs one in-flight slot until the timeout.
 */
export function send(endpoint: string, headers: Record<string, string>, body: string, options: { timeoutMs: number; bodyLimit: number; policy: AddressPolicy }): Promise<SendResult> {
  const started = performance.now();
  const deadline = Date.now() + options.timeoutMs;
  return sendOnce(endpoint, headers, body, options, started).then((result) =>
    // A receiver may close a kept-open connection just as it is reused: that says nothing about the receiver, so
    // the call goes once more on a new connection, within the same timeout.
    result === STALE ? sendOnce(endpoint, headers, body, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) }, started, true) : result,
  ) as Promise<SendResult>;
}

const STALE = Symbol("stale connection");

function sendOnce(
  endpoint: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; bodyLimit: number; policy: AddressPolicy },
  started: number,
  freshConnection = false,
): Promise<SendResult | typeof STALE> {
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    // `keep`: the answer was read to its end, so the connection can serve the next delivery.
    const finish = (result: Omit<SendResult, "latencyMs"> | typeof STALE, keep = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keep) request?.destroy();
      resolve(result === STALE ? STALE : { ...result, latencyMs: elapsed() });
    };
    const url = new URL(endpoint);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const literalRefusal = isIP(host) ? refusal(host, options.policy) : undefined;
    let request: http.ClientRequest | undefined;
    const timer = setTimeout(() => finish({ error: `timeout after ${options.timeoutMs} ms` }), options.timeoutMs);
    if (literalRefusal) return finish({ error: `refused address: ${literalRefusal}` });
    const client = url.protocol === "https:" ? https : http;
    const payload = Buffer.from(body, "utf8");
    request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(payload.length), "user-agent": "zitadel-lifecycle-delivery" },
        lookup: guardedLookup(options.policy),
        agent: freshConnection ? false : agents[url.protocol as "http:" | "https:"],
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (keep: boolean) => finish({ status: response.statusCode, body: Buffer.concat(chunks).toString("utf8") }, keep);
        response.on("data", (chunk: Buffer) => {
          if (size < options.bodyLimit) chunks.push(chunk.subarray(0, options.bodyLimit - size));
          size += chunk.length;
          if (size >= options.bodyLimit) done(false);
        });
        response.on("end", () => done(true));
        response.on("error", (error) => finish({ status: response.statusCode, error: error.message }));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => finish(!freshConnection && staleConnection(request!, error) ? STALE : { error: error.message }));
    request.end(payload);
  });
}

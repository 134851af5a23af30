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

/**
 * One POST: the target's timeout covers connecting, sending and the whole answer; redirects are not
 * followed (a 3xx is a failed attempt); at most `bodyLimit` bytes of the answer are read, then the
 * connection is dropped. A slow, trickling or endless receiver costs one in-flight slot until the timeout.
 */
export function send(endpoint: string, headers: Record<string, string>, body: string, options: { timeoutMs: number; bodyLimit: number; policy: AddressPolicy }): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request?.destroy();
      resolve({ ...result, latencyMs: elapsed() });
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
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => finish({ status: response.statusCode, body: Buffer.concat(chunks).toString("utf8") });
        response.on("data", (chunk: Buffer) => {
          if (size < options.bodyLimit) chunks.push(chunk.subarray(0, options.bodyLimit - size));
          size += chunk.length;
          if (size >= options.bodyLimit) done();
        });
        response.on("end", done);
        response.on("error", (error) => finish({ status: response.statusCode, error: error.message }));
      },
    );
    request.on("error", (error) => finish({ error: error.message }));
    request.end(payload);
  });
}

import { createHmac } from "node:crypto";
import type { LogEvent } from "../events/read.js";
import { redact } from "../events/redact.js";

/** The id a receiver dedupes on: the same for every attempt of one event to one target. */
export const webhookId = (targetId: string, position: number) => `evt_${position}_${targetId}`;

/** The body the platform posts for an event execution (secrets removed from the event's payload). */
export function eventBody(event: LogEvent, instanceId: string): string {
  return JSON.stringify({
    aggregateID: event.aggregateId,
    aggregateType: event.aggregateType,
    resourceOwner: event.resourceOwner,
    instanceID: instanceId,
    version: "v1",
    sequence: event.sequence,
    event_type: event.type,
    created_at: event.createdAt.toISOString(),
    userID: event.creator,
    event_payload: redact(event.payload),
  });
}

/**
 * Both signatures of one call, over the exact body bytes sent:
 * - the platform's `ZITADEL-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`;
 * - Standard Webhooks' `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256(key,
 *   "<id>.<t>.<body>")>`, whose secret for the standard's libraries is the signing key's bytes in base64.
 */
export function signatureHeaders(signingKey: string, id: string, body: string, unixSeconds: number): Record<string, string> {
  const hmac = (text: string) => createHmac("sha256", Buffer.from(signingKey, "utf8")).update(text);
  return {
    "zitadel-signature": `t=${unixSeconds},v1=${hmac(`${unixSeconds}.${body}`).digest("hex")}`,
    "webhook-id": id,
    "webhook-timestamp": String(unixSeconds),
    "webhook-signature": `v1,${hmac(`${id}.${unixSeconds}.${body}`).digest("base64")}`,
  };
}

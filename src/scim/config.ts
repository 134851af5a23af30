/** The SCIM surface's limits from the environment; unset means the defaults in surface.ts. */
export function scimLimitsFromEnv(env: NodeJS.ProcessEnv): { maxOperations?: number; maxPayloadSize?: number } {
  const positive = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
    return n;
  };
  return { maxOperations: positive("SCIM_BULK_MAX_OPERATIONS"), maxPayloadSize: positive("SCIM_MAX_PAYLOAD_BYTES") };
}

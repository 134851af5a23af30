import ipaddr from "ipaddr.js";

/** Whether targets may live on private and loopback addresses (self-hosted receivers do); link-local never. */
export interface AddressPolicy {
  allowPrivate: boolean;
}

// Cloud metadata services answer on these; a target there could read the host's credentials.
const ALWAYS_REFUSED = ["linkLocal", "unspecified", "broadcast", "multicast", "reserved"];
const PRIVATE = ["private", "loopback", "uniqueLocal", "carrierGradeNat"];
const AWS_METADATA_V6 = ipaddr.parse("fd00:ec2::254");

/** Why this address may not be called, or undefined when it may. */
export function refusal(address: string, policy: AddressPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).toNormalizedString() === AWS_METADATA_V6.toNormalizedString()) {
    return `${address} is a cloud metadata address`;
  }
  const range = ip.range();
  if (ALWAYS_REFUSED.includes(range)) return `${address} is a ${range} address`;
  if (!policy.allowPrivate && PRIVATE.includes(range)) return `${address} is a ${range} address, and private targets are refused by this server`;
  return undefined;
}

/** Checks a target's URL: http(s), a host, and no refused literal address. Hostnames are checked again when connecting. */
export function endpointRefusal(endpoint: string, policy: AddressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "endpoint is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "endpoint must be an http or https URL";
  if (url.username || url.password) return "endpoint must not carry credentials";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (ipaddr.isValid(host)) return refusal(host, policy);
  if (!policy.allowPrivate && (host === "localhost" || host.endsWith(".localhost"))) return `${host} is a loopback name, and private targets are refused by this server`;
  return undefined;
}

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../../src/domain/action/execution.js";
import type { TargetEvent } from "../../src/domain/action/target.js";
import type { ApiKeyEvent } from "../../src/domain/api-key/events.js";
import type { InstanceEvent } from "../../src/domain/instance/instance.js";
import type { LifecyclePolicyEvent } from "../../src/domain/lifecycle-policy/policy.js";
import type { OrgEvent } from "../../src/domain/org/events.js";
import type { SessionEvent } from "../../src/domain/session/events.js";
import type { LockoutSettingsEvent } from "../../src/domain/settings/lockout.js";
import type { UserEvent } from "../../src/domain/user/events.js";
import { EVENT_TYPES } from "../../src/events/catalog.js";
import { redact } from "../../src/events/redact.js";

// Every event the domain can emit, with every optional field filled. Adding an event type to one of these
// unions without a sample here fails the type check; the source scan below catches a new union.
type AnyEvent = UserEvent | OrgEvent | SessionEvent | ApiKeyEvent | InstanceEvent | LockoutSettingsEvent | TargetEvent | ExecutionEvent | LifecyclePolicyEvent;
type Samples = { [E in AnyEvent as E["type"]]: Required<E["data"]> };

const SECRET = "s3cr3t-value";
const samples: Samples = {
  "user.human.added": {
    username: "ada",
    profile: { givenName: "Ada", familyName: "L", nickName: "a", displayName: "A", preferredLanguage: "en", gender: 1 },
    email: { address: "ada@example.com", verified: true },
    phone: { number: "+41", verified: false },
    passwordHash: SECRET,
    passwordChangeRequired: false,
  },
  "user.machine.added": { username: "bot", name: "Bot", description: "d" },
  "user.deactivated": { policyId: "p", scheduleId: "s" },
  "user.reactivated": {},
  "user.locked": { reason: "manual" },
  "user.unlocked": { reason: "manual" },
  "user.removed": { username: "ada", scheduleId: "s" },
  "user.activity.recorded": { via: "token", until: "2026-01-02T00:00:00Z" },
  "user.deactivation.scheduled": { scheduleId: "s", deactivateAt: "2026-01-01T00:00:00Z", deleteAt: "2026-01-31T00:00:00Z" },
  "user.deactivation.schedule.cancelled": { scheduleId: "s", reason: "cancelled" },
  "user.deactivation.schedule.skipped": { scheduleId: "s", reason: "already_inactive" },
  "user.lifecycle.exemption.set": { exempt: true },
  "lifecycle_policy.inactivity.set": { policyId: "p", inactiveDays: 90, includeMachineUsers: false, dryRun: false },
  "lifecycle_policy.inactivity.removed": { policyId: "p" },
  "lifecycle_policy.inactivity.dry_run.recorded": { policyId: "p", through: "2026-01-01T00:00:00Z", userIds: ["u"] },
  "user.scim.attributes.set": {
    externalId: "ext-1",
    givenName: "Ada",
    familyName: "Lovelace",
    displayName: "Ada L",
    nickName: "ada",
    preferredLanguage: "en",
    email: "ada@example.com",
    phone: "+41 79 000 00 00",
  },
  "user.pat.added": { tokenId: "t1", tokenHash: SECRET, expiration: null },
  "user.password.changed": { hash: SECRET, changeRequired: false },
  "user.password.code.added": { codeHash: SECRET, expiry: "2026-01-01T00:00:00Z" },
  "user.password.check.succeeded": {},
  "user.password.check.failed": {},
  "org.added": { name: "ACME", primaryDomain: "acme.localhost" },
  "org.deactivated": {},
  "org.reactivated": {},
  "org.removed": { name: "ACME" },
  "org.member.added": { userId: "u", roles: ["ORG_OWNER"] },
  "session.added": { userId: "u", tokenHash: SECRET, userCheckedAt: "x", passwordCheckedAt: null, expiration: null, metadata: { k: "dg==" } },
  "session.terminated": {},
  "api_key.added": { name: "k", keyHash: SECRET, orgId: "o" },
  "api_key.revoked": {},
  "instance.setup": { defaultOrgId: "o" },
  "instance.member.added": { userId: "u", roles: ["IAM_OWNER"] },
  "settings.lockout.set": { maxPasswordAttempts: 3, maxOtpAttempts: 0, lockoutDurationMs: null },
  "target.added": { name: "crm", endpoint: "https://crm.example/hook", timeoutMs: 10_000, targetType: "rest_async", interruptOnError: false, signingKeyId: "k1" },
  "target.changed": { name: "crm", endpoint: "https://crm.example/hook", timeoutMs: 5_000, targetType: "rest_webhook", interruptOnError: true, signingKeyId: "k2" },
  "target.disabled": { reason: "gone", detail: "410 Gone" },
  "target.removed": { name: "crm" },
  "execution.set": { condition: { kind: "group", value: "user" }, targets: ["t1"] },
  "execution.removed": {},
};

/** Every event type named in a `DomainEvent<"…"` anywhere under src/domain. */
function declaredEventTypes(dir = join(import.meta.dirname, "../../src/domain")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return declaredEventTypes(path);
    if (!entry.name.endsWith(".ts")) return [];
    return [...readFileSync(path, "utf8").matchAll(/DomainEvent<\s*"([^"]+)"/g)].map((m) => m[1]);
  });
}

function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keysDeep(v)]);
  return [];
}

const SECRET_NAME = /hash|secret|code/i;

describe("payload redaction", () => {
  it("the event catalog (admin ListEventTypes) lists exactly the types the domain declares", () => {
    expect([...EVENT_TYPES].sort()).toEqual(Object.keys(samples).sort());
  });

  it("has a sample of every event type the domain declares", () => {
    expect(Object.keys(samples).sort()).toEqual([...new Set(declaredEventTypes())].sort());
  });

  it.each(Object.entries(samples))("%s: no secret field survives", (_type, data) => {
    const out = redact(data);
    expect(keysDeep(out).filter((k) => SECRET_NAME.test(k))).toEqual([]);
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  it("keeps what is not secret", () => {
    expect(redact(samples["user.pat.added"])).toEqual({ tokenId: "t1", expiration: null });
    expect(redact({ nested: [{ keyHash: "x", name: "n" }] })).toEqual({ nested: [{ name: "n" }] });
  });
});

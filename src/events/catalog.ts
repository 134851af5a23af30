/**
 * Every event type and aggregate type the domain writes, for the admin API's ListEventTypes and
 * ListAggregateTypes and for matching event groups. test/events/redaction.test.ts keeps this list equal to
 * the types the domain declares.
 */
export const EVENT_TYPES = [
  "user.human.added",
  "user.machine.added",
  "user.deactivated",
  "user.reactivated",
  "user.locked",
  "user.unlocked",
  "user.removed",
  "user.scim.attributes.set",
  "user.pat.added",
  "user.password.changed",
  "user.password.code.added",
  "user.password.check.succeeded",
  "user.password.check.failed",
  "user.activity.recorded",
  "user.deactivation.scheduled",
  "user.deactivation.schedule.cancelled",
  "user.deactivation.schedule.skipped",
  "user.lifecycle.exemption.set",
  "org.added",
  "org.deactivated",
  "org.reactivated",
  "org.removed",
  "org.member.added",
  "session.added",
  "session.terminated",
  "api_key.added",
  "api_key.revoked",
  "instance.setup",
  "instance.member.added",
  "settings.lockout.set",
  "target.added",
  "target.changed",
  "target.disabled",
  "target.removed",
  "execution.set",
  "execution.removed",
  "lifecycle_policy.inactivity.set",
  "lifecycle_policy.inactivity.removed",
  "lifecycle_policy.inactivity.dry_run.recorded",
] as const;

export const AGGREGATE_TYPES = ["user", "org", "session", "api_key", "instance", "settings", "target", "execution", "lifecycle_policy"] as const;

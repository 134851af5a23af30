import { type Kysely, type Selectable, sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database, InactivityPoliciesTable } from "../../db/schema.js";
import { INSTANCE_POLICY_ID } from "../../domain/lifecycle-policy/policy.js";

// The lifecycle jobs' queries. Each takes a Kysely handle, so a job can run it inside the transaction that
// then acts on the row it locked. Days are 86,400 s exactly, as the domain counts them (DAY_MS), whatever
// the session's time zone.

export type PolicyRow = Selectable<InactivityPoliciesTable>;
type Handle = Kysely<Database>;

export async function policyOf(db: Db, scopeId: string): Promise<PolicyRow | undefined> {
  return db.selectFrom("inactivity_policies_v1").selectAll().where("scope_id", "=", scopeId).executeTakeFirst();
}

/** The policy in force for an organization: its own, else the instance default. */
export async function effectivePolicy(db: Db, orgId: string): Promise<PolicyRow | undefined> {
  return (await policyOf(db, orgId)) ?? (await policyOf(db, INSTANCE_POLICY_ID));
}

/** Users a policy could deactivate: not exempt, humans unless machines are included, no instance owner. */
const eligible = sql`
  u.state in ('active', 'locked') and not u.lifecycle_exempt and (u.type = 'human' or p.include_machine_users)
  and not exists (select 1 from instance_members_v1 m where m.user_id = u.id and m.roles @> '["IAM_OWNER"]'::jsonb)`;

/** The policy in force for user `u`: its organization's, else the default. */
const policyOfUser = sql`
  cross join lateral (
    select policy_id, inactive_days, include_machine_users, dry_run from inactivity_policies_v1
    where scope_id in (u.resource_owner, ${INSTANCE_POLICY_ID}) order by scope_id = ${INSTANCE_POLICY_ID} limit 1) p`;

const dueAt = sql`u.idle_since + make_interval(secs => p.inactive_days * 86400)`;

export interface EnforcedScope {
  org_id: string;
  policy_id: string;
  inactive_days: number;
  include_machine_users: boolean;
}

/** Each organization with an enforcing (not dry-running) policy in force, its own or the default. */
export async function enforcedScopes(db: Db): Promise<EnforcedScope[]> {
  const { rows } = await sql<EnforcedScope>`
    select o.id as org_id, p.policy_id, p.inactive_days, p.include_machine_users
    from orgs_v1 o cross join lateral (
      select policy_id, inactive_days, include_machine_users, dry_run from inactivity_policies_v1
      where scope_id in (o.id, ${INSTANCE_POLICY_ID}) order by scope_id = ${INSTANCE_POLICY_ID} limit 1) p
    where not p.dry_run
    order by o.id`.execute(db);
  return rows;
}

/** The conditions of a scope's due users, on the (resource_owner, idle_since) index. */
const dueInScope = (scope: EnforcedScope, now: Date) => sql`
  u.resource_owner = ${scope.org_id} and u.state in ('active', 'locked')
  and u.idle_since <= ${now}::timestamptz - make_interval(secs => ${scope.inactive_days}::int * 86400)
  and not u.lifecycle_exempt and (u.type = 'human' or ${scope.include_machine_users}::boolean)
  and not exists (select 1 from instance_members_v1 m where m.user_id = u.id and m.roles @> '["IAM_OWNER"]'::jsonb)`;

/**
 * The longest-idle users of an organization its policy deactivates now, at most `limit`, locked FOR
 * UPDATE SKIP LOCKED (another instance's sweep takes the next ones). One index range per organization,
 * so users of organizations without a policy are never read; it starts at `from` (the last idle time
 * this sweep claimed), so the entries of users it already deactivated are not walked again.
 */
export async function claimDueInactiveUsers(
  trx: Handle,
  scope: EnforcedScope,
  now: Date,
  from: Date | undefined,
  skip: string[],
  limit: number,
): Promise<{ user_id: string; idle_since: Date; due_at: Date }[]> {
  const { rows } = await sql<{ user_id: string; idle_since: Date; due_at: Date }>`
    select u.id as user_id, u.idle_since, u.idle_since + make_interval(secs => ${scope.inactive_days}::int * 86400) as due_at
    from users_v1 u
    where ${dueInScope(scope, now)} and u.idle_since >= ${from ?? new Date(0)} and not (u.id = any(${skip}::text[]))
    order by u.idle_since
    limit ${limit}
    for update of u skip locked`.execute(trx);
  return rows;
}

/** How many users a scope's policy deactivates now (for the metrics). */
export async function countDueInScope(db: Db, scope: EnforcedScope, now: Date): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from users_v1 u where ${dueInScope(scope, now)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export interface DueScheduleStep {
  user_id: string;
  step: "deactivate" | "delete";
  schedule_id: string;
  due_at: Date;
}

/** The earliest due step of a scheduled deactivation, locked FOR UPDATE SKIP LOCKED. */
export async function claimDueScheduleStep(trx: Handle, now: Date, skip: string[]): Promise<DueScheduleStep | undefined> {
  const { rows } = await sql<DueScheduleStep>`
    select user_id, step, schedule_id, due_at from user_schedules_v1
    where due_at <= ${now} and not (user_id || '/' || step = any(${skip}::text[]))
    order by due_at
    limit 1
    for update skip locked`.execute(trx);
  return rows[0];
}

/** A dry-running policy, locked so that one instance records its findings at a time. */
export async function claimDryRunPolicy(trx: Handle, skip: string[]): Promise<PolicyRow | undefined> {
  const { rows } = await sql<PolicyRow>`
    select * from inactivity_policies_v1 where dry_run and not (scope_id = any(${skip}::text[]))
    order by scope_id limit 1 for update skip locked`.execute(trx);
  return rows[0];
}

/** Users a dry-running policy would deactivate now that it has not recorded yet (due after `through`). */
export async function newlyDueUnderPolicy(trx: Handle, policy: PolicyRow, now: Date): Promise<string[]> {
  const scope =
    policy.scope_id === INSTANCE_POLICY_ID
      ? sql`u.resource_owner not in (select scope_id from inactivity_policies_v1)`
      : sql`u.resource_owner = ${policy.scope_id}`;
  const through = policy.dry_run_through ? sql`and ${dueAt} > ${policy.dry_run_through}` : sql``;
  const { rows } = await sql<{ id: string }>`
    select u.id from users_v1 u ${policyOfUser}
    where ${scope} and p.policy_id = ${policy.policy_id} and ${dueAt} <= ${now} ${through} and ${eligible}
    order by u.idle_since, u.id`.execute(trx);
  return rows.map((r) => r.id);
}

/** Schedule steps due now (for the metrics). */
export async function countDueScheduleSteps(db: Db, now: Date): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from user_schedules_v1 where due_at <= ${now}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export interface PreviewRow {
  user_id: string;
  username: string;
  due_at: Date;
  /** "inactivity", or the schedule step: "deactivate" / "delete" */
  kind: string;
  /** the policy id (inactivity) or the schedule id */
  reason_id: string;
  dry_run: boolean;
  idle_since: Date | null;
  total: string | number;
}

/**
 * What the lifecycle jobs will do in one organization up to `until`: inactivity deactivations under the
 * policy in force and pending schedule steps, by due time. The same conditions as the sweep's claims.
 */
export async function previewForOrg(db: Db, orgId: string, until: Date, offset: number, limit: number): Promise<PreviewRow[]> {
  const { rows } = await sql<PreviewRow>`
    select *, count(*) over () as total from (
      select u.id as user_id, u.username, ${dueAt} as due_at, 'inactivity' as kind, p.policy_id as reason_id, p.dry_run, u.idle_since
      from users_v1 u ${policyOfUser}
      where u.resource_owner = ${orgId} and u.state in ('active', 'locked') and ${dueAt} <= ${until} and ${eligible}
      union all
      select s.user_id, u.username, s.due_at, s.step, s.schedule_id, false, null
      from user_schedules_v1 s join users_v1 u on u.id = s.user_id
      where s.resource_owner = ${orgId} and s.due_at <= ${until}
    ) x
    order by due_at, user_id, kind
    offset ${offset} limit ${limit}`.execute(db);
  return rows;
}

export async function scheduleStepsOf(db: Db, userId: string) {
  return db.selectFrom("user_schedules_v1").selectAll().where("user_id", "=", userId).execute();
}

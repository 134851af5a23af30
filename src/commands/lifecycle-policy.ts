import type { Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import { INSTANCE_POLICY_ID, type InactivityPolicy, lifecyclePolicyAggregate, recordDryRun, removeInactivityPolicy, setInactivityPolicy } from "../domain/lifecycle-policy/policy.js";
import { invalidArgument } from "../domain/errors.js";
import { handleCommand } from "../eventstore/handle-command.js";
import type { ObjectDetails } from "../eventstore/types.js";
import { effectivePolicy, policyOf, type PolicyRow, type PreviewRow, previewForOrg } from "../projections/lifecycle/queries.js";
import type { Access } from "./access.js";
import type { Deps } from "./deps.js";
import { readOrg } from "./org.js";

export type PolicyInput = Omit<InactivityPolicy, "policyId">;

/** Where a policy applies: an organization (authorized on it, as loaded), or the instance default. */
export type PolicyScope = { orgId: string } | "instance";

async function scopeId(deps: Pick<Deps, "db">, access: Access, scope: PolicyScope): Promise<string> {
  // The instance default needs an instance permission, decided by the auth interceptor (nothing to load).
  if (scope === "instance") return INSTANCE_POLICY_ID;
  return (await readOrg(deps, access, { id: scope.orgId })).id;
}

export async function setPolicy(deps: Deps, access: Access, scope: PolicyScope, input: PolicyInput): Promise<{ policyId: string; details: ObjectDetails }> {
  const id = await scopeId(deps, access, scope);
  const policyId = deps.newId();
  const details = await handleCommand(deps.store, { creator: access.principal.userId }, lifecyclePolicyAggregate, id, (state) =>
    setInactivityPolicy(state, { policyId, ...input }),
  id);
  return { policyId, details };
}

export async function removePolicy(deps: Deps, access: Access, scope: PolicyScope): Promise<ObjectDetails> {
  const id = await scopeId(deps, access, scope);
  return handleCommand(deps.store, { creator: access.principal.userId }, lifecyclePolicyAggregate, id, removeInactivityPolicy, id);
}

/** The policy in force: the scope's own, or (for an organization without one) the instance default. */
export async function readPolicy(deps: Deps, access: Access, scope: PolicyScope): Promise<{ policy?: PolicyRow; inherited: boolean }> {
  const id = await scopeId(deps, access, scope);
  const policy = id === INSTANCE_POLICY_ID ? await policyOf(deps.db, id) : await effectivePolicy(deps.db, id);
  return { policy, inherited: !!policy && policy.scope_id !== id };
}

export const MAX_PREVIEW_PAGE = 1000;

/** Who the lifecycle jobs will deactivate or delete in an organization up to `until`, by due time. */
export async function previewOrg(
  deps: Deps,
  access: Access,
  orgId: string,
  page: { until: Date; offset: number; limit: number },
): Promise<{ rows: PreviewRow[]; total: number }> {
  if (page.limit > MAX_PREVIEW_PAGE) throw invalidArgument("LIFECYCLE-limit-too-large", `limit must be at most ${MAX_PREVIEW_PAGE}`);
  const org = await readOrg(deps, access, { id: orgId });
  const rows = await previewForOrg(deps.db, org.id, page.until, page.offset, page.limit || 100);
  return { rows, total: rows.length > 0 ? Number(rows[0].total) : 0 };
}

/**
 * A dry run's record of whom a policy would deactivate now, appended inside the job's claiming transaction
 * (so the claim and the record commit together) by the named system principal `creator`.
 */
export async function recordPolicyDryRun(
  deps: Pick<Deps, "store">,
  trx: Transaction<Database>,
  creator: string,
  policy: { scopeId: string; policyId: string },
  now: Date,
  userIds: string[],
): Promise<void> {
  await deps.store.run(
    { creator },
    async (session) => {
      const stream = await session.load(lifecyclePolicyAggregate, policy.scopeId);
      session.append(stream, recordDryRun(stream.state, policy.policyId, now, userIds));
    },
    { transaction: trx },
  );
}

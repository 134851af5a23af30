import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { InactivityPolicySchema } from "../../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { type PolicyScope, readPolicy, removePolicy, setPolicy } from "../../commands/lifecycle-policy.js";
import { invalidArgument } from "../../domain/errors.js";
import { INSTANCE_POLICY_ID } from "../../domain/lifecycle-policy/policy.js";
import type { PolicyRow } from "../../projections/lifecycle/queries.js";
import { accessOf } from "../context.js";
import { detailsV2, timestamp } from "../convert.js";

interface PolicyFields {
  inactiveDays: number;
  includeMachineUsers: boolean;
  dryRun: boolean;
}

function orgScope(req: { organizationId: string }): PolicyScope {
  if (!req.organizationId || req.organizationId.length > 200) throw invalidArgument("ORG-id-missing", "organization_id must be 1..200 characters");
  return { orgId: req.organizationId };
}

export function policyMessage(row: PolicyRow) {
  return create(InactivityPolicySchema, {
    policyId: row.policy_id,
    organizationId: row.scope_id === INSTANCE_POLICY_ID ? "" : row.scope_id,
    inactiveDays: row.inactive_days,
    includeMachineUsers: row.include_machine_users,
    dryRun: row.dry_run,
    dryRunThrough: row.dry_run_through ? timestamp(new Date(row.dry_run_through)) : undefined,
    changeDate: timestamp(new Date(row.change_date)),
  });
}

/** The six policy RPCs: an organization's own policy, and the instance default. */
export function policyHandlers(deps: Deps) {
  const set = async (scope: PolicyScope, req: PolicyFields, ctx: HandlerContext) => {
    const { policyId, details } = await setPolicy(deps, accessOf(ctx), scope, req);
    return { policyId, details: detailsV2(details) };
  };
  return {
    setInactivityPolicy: (req: PolicyFields & { organizationId: string }, ctx: HandlerContext) => set(orgScope(req), req, ctx),
    setDefaultInactivityPolicy: (req: PolicyFields, ctx: HandlerContext) => set("instance", req, ctx),
    async getInactivityPolicy(req: { organizationId: string }, ctx: HandlerContext) {
      const { policy, inherited } = await readPolicy(deps, accessOf(ctx), orgScope(req));
      return { policy: policy && policyMessage(policy), inherited };
    },
    async getDefaultInactivityPolicy(_req: object, ctx: HandlerContext) {
      const { policy } = await readPolicy(deps, accessOf(ctx), "instance");
      return { policy: policy && policyMessage(policy) };
    },
    async removeInactivityPolicy(req: { organizationId: string }, ctx: HandlerContext) {
      return { details: detailsV2(await removePolicy(deps, accessOf(ctx), orgScope(req))) };
    },
    async removeDefaultInactivityPolicy(_req: object, ctx: HandlerContext) {
      return { details: detailsV2(await removePolicy(deps, accessOf(ctx), "instance")) };
    },
  };
}

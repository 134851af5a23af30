import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { PlannedStep, type PreviewDeactivationsRequest } from "../../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { previewOrg } from "../../commands/lifecycle-policy.js";
import { invalidArgument } from "../../domain/errors.js";
import type { PreviewRow } from "../../projections/lifecycle/queries.js";
import { accessOf } from "../context.js";
import { timestamp } from "../convert.js";

function plannedAction(row: PreviewRow) {
  const base = { userId: row.user_id, username: row.username, dueAt: timestamp(new Date(row.due_at)), dryRun: row.dry_run };
  if (row.kind === "inactivity") {
    const inactivity = { policyId: row.reason_id, idleSince: row.idle_since ? timestamp(new Date(row.idle_since)) : undefined };
    return { ...base, step: PlannedStep.DEACTIVATE, reason: { case: "inactivity" as const, value: inactivity } };
  }
  const step = row.kind === "delete" ? PlannedStep.DELETE : PlannedStep.DEACTIVATE;
  return { ...base, step, reason: { case: "scheduleId" as const, value: row.reason_id } };
}

export function previewDeactivations(deps: Deps) {
  return async (req: PreviewDeactivationsRequest, ctx: HandlerContext) => {
    if (!req.organizationId || req.organizationId.length > 200) throw invalidArgument("ORG-id-missing", "organization_id must be 1..200 characters");
    const until = req.until ? timestampDate(req.until) : deps.now();
    const page = { until, offset: Number(req.offset), limit: req.limit };
    const { rows, total } = await previewOrg(deps, accessOf(ctx), req.organizationId, page);
    return { actions: rows.map(plannedAction), totalResult: BigInt(total) };
  };
}

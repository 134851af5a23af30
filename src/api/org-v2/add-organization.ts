import type { HandlerContext } from "@connectrpc/connect";
import type { AddOrganizationRequest } from "../../../gen/zitadel/org/v2/org_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { addOrganization, type NewOrgAdmin } from "../../commands/org.js";
import { validateUserId } from "../../domain/user/decide.js";
import { hashPassword } from "../../credentials/passwords.js";
import { accessOf } from "../context.js";
import { detailsV2 } from "../convert.js";
import { toNewHuman } from "../user-v2/new-human.js";

/** Creates the organization and its first admins (new humans or existing users) in one transaction. */
export function addOrganizationV2(deps: Deps) {
  return async (req: AddOrganizationRequest, ctx: HandlerContext) => {
    const orgId = req.orgId || deps.newId();
    const admins: NewOrgAdmin[] = await Promise.all(
      req.admins.map(async (admin) => {
        const roles = admin.roles.length > 0 ? admin.roles : ["ORG_OWNER"];
        if (admin.userType.case === "human") {
          const human = admin.userType.value;
          const userId = human.userId ? validateUserId(human.userId) : deps.newId();
          const hash = human.passwordType.case === "password" ? await hashPassword(human.passwordType.value.password) : undefined;
          return { userId, roles, human: toNewHuman(human, hash) };
        }
        return { userId: admin.userType.value ?? "", roles };
      }),
    );
    const details = await addOrganization(deps, accessOf(ctx), { orgId, name: req.name, admins });
    return {
      details: detailsV2(details),
      organizationId: orgId,
      createdAdmins: admins.filter((a) => a.human).map((a) => ({ userId: a.userId })),
    };
  };
}

import type { HandlerContext } from "@connectrpc/connect";
import type { AddOrganizationRequest } from "../../../gen/zitadel/org/v2/org_service_pb.js";
import { addOrg, addOrgMember } from "../../domain/org/decide.js";
import { orgAggregate } from "../../domain/org/state.js";
import { addHumanUser } from "../../domain/user/create.js";
import { existingUser, validateUserId } from "../../domain/user/decide.js";
import { userAggregate } from "../../domain/user/state.js";
import { hashPassword } from "../auth/passwords.js";
import { commandContext } from "../context.js";
import { detailsV2 } from "../convert.js";
import type { Deps } from "../../commands/deps.js";
import { toNewHuman } from "../user-v2/new-human.js";

/** Creates the organization and its first admins (new humans or existing users) in one transaction. */
export function addOrganizationV2(deps: Deps) {
  return async (req: AddOrganizationRequest, ctx: HandlerContext) => {
    const orgId = req.orgId ? validateUserId(req.orgId) : deps.newId();
    // Ids and password hashes are fixed before the command so that a retry decides on the same input.
    const admins = await Promise.all(
      req.admins.map(async (admin) => {
        const roles = admin.roles.length > 0 ? admin.roles : ["ORG_OWNER"];
        if (admin.userType.case === "human") {
          const human = admin.userType.value;
          const userId = human.userId ? validateUserId(human.userId) : deps.newId();
          const hash = human.passwordType.case === "password" ? await hashPassword(human.passwordType.value.password) : undefined;
          return { userId, roles, human: toNewHuman(human, hash) };
        }
        return { userId: validateUserId(admin.userType.value ?? ""), roles, human: undefined };
      }),
    );

    const orgWrite = await deps.store.run(commandContext(ctx), async (session) => {
      const org = await session.load(orgAggregate, orgId);
      const write = session.append(org, addOrg(org.state, req.name), orgId);
      for (const admin of admins) {
        const user = await session.load(userAggregate, admin.userId);
        if (admin.human) session.append(user, addHumanUser(user.state, admin.human), orgId);
        else existingUser(user.state);
        session.append(org, addOrgMember(org.state, admin.userId, admin.roles));
      }
      return write;
    });
    return {
      details: detailsV2(orgWrite.details()),
      organizationId: orgId,
      createdAdmins: admins.filter((a) => a.human).map((a) => ({ userId: a.userId })),
    };
  };
}

import type { Organization } from "../../../gen/zitadel/object/v2/object_pb.js";
import type { OrgRef } from "../../commands/org.js";

/** The organization a new user goes into, as the request names it; none means the caller's own. */
export function orgRefOf(organization: Organization | undefined, callerOrgId: string): OrgRef {
  const org = organization?.org;
  if (org?.case === "orgDomain") return { domain: org.value };
  return { id: org?.case === "orgId" && org.value ? org.value : callerOrgId };
}

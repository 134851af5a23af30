import type { Access } from "./access.js";

/**
 * The principal a background job acts as: its name is the creator of every event it appends, so the
 * history says which job acted (the event's payload says why). It holds the users' permissions through
 * a role no person can be granted.
 */
export function systemAccess(job: string, permission: string): Access {
  return {
    principal: { userId: `system:${job}`, orgId: "", instanceRoles: ["SYSTEM_LIFECYCLE"], orgRoles: {} },
    permission,
    allowSelf: false,
    orgContext: "",
  };
}

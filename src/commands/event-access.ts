import { type Access, authorize } from "./access.js";
import { hasInstancePermission } from "./permissions.js";
import { DomainError } from "../domain/errors.js";
import type { EventFilter } from "../events/filter.js";

/** Held instance-wide (IAM_OWNER's "*"): read events across every organization. */
export const INSTANCE_EVENTS_READ = "events.read";

/**
 * Events of one organization need the method's permission (`org.read`) there, decided like every other
 * read on that organization; a query not narrowed to one organization needs the instance permission.
 */
export function authorizeEventRead(access: Access, filter: EventFilter): void {
  if (filter.resourceOwner) return authorize(access, { kind: "org", id: filter.resourceOwner });
  if (hasInstancePermission(access.principal, INSTANCE_EVENTS_READ)) return;
  throw new DomainError(
    "permission_denied",
    "EVENTS-resource-owner-required",
    `Reading events across organizations needs ${INSTANCE_EVENTS_READ}; set filter.resource_owner to an organization`,
  );
}

import type { ServiceImpl } from "@connectrpc/connect";
import type { AdminService } from "../../../gen/zitadel/admin_pb.js";
import type { Deps } from "../../commands/deps.js";
import { AGGREGATE_TYPES, EVENT_TYPES } from "../../events/catalog.js";
import { aggregateType, eventType } from "./event-message.js";
import { listEventsAdminV1 } from "./list-events.js";

/** The platform's admin API, of which this server offers the event log. */
export function adminServiceV1(deps: Deps): ServiceImpl<typeof AdminService> {
  return {
    listEvents: listEventsAdminV1(deps),
    listEventTypes: async () => ({ eventTypes: EVENT_TYPES.map(eventType) }),
    listAggregateTypes: async () => ({ aggregateTypes: AGGREGATE_TYPES.map(aggregateType) }),
  };
}

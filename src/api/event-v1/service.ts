import type { ServiceImpl } from "@connectrpc/connect";
import type { EventService } from "../../../gen/lifecycle/event/v1/event_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { listEventsV1 } from "./list-events.js";
import { watchEventsV1 } from "./watch-events.js";

export function eventServiceV1(deps: Deps): Partial<ServiceImpl<typeof EventService>> {
  return {
    listEvents: listEventsV1(deps),
    ...(deps.events ? { watchEvents: watchEventsV1(deps, deps.events) } : {}),
  };
}

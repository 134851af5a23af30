import { createClient } from "@connectrpc/connect";
import { DeliveryService } from "../gen/lifecycle/delivery/v1/delivery_service_pb.js";
import { ActionService } from "../gen/zitadel/action/v2/action_service_pb.js";
import { transport } from "./api.js";

/** Targets and executions (ZITADEL's action API) and their deliveries (the project's DeliveryService). */
export const actions = createClient(ActionService, transport);
export const delivery = createClient(DeliveryService, transport);

import type { ConnectRouter } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ApiKeyService } from "../../gen/lifecycle/apikey/v1/api_key_service_pb.js";
import { EventService } from "../../gen/lifecycle/event/v1/event_service_pb.js";
import { DeliveryService } from "../../gen/lifecycle/delivery/v1/delivery_service_pb.js";
import { LockoutPolicyService } from "../../gen/lifecycle/settings/v1/lockout_policy_service_pb.js";
import { AdminService } from "../../gen/zitadel/admin_pb.js";
import { ActionService as ActionServiceV2 } from "../../gen/zitadel/action/v2/action_service_pb.js";
import { ActionService as ActionServiceV2beta } from "../../gen/zitadel/action/v2beta/action_service_pb.js";
import { ManagementService } from "../../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService as OrganizationServiceV2 } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceV2beta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { SessionService } from "../../gen/zitadel/session/v2/session_service_pb.js";
import { SettingsService } from "../../gen/zitadel/settings/v2/settings_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { LifecyclePolicyService } from "../../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { lifecyclePolicyServiceV1 } from "./lifecycle-policy-v1/service.js";
import { apiKeyServiceV1 } from "./api-key-v1/service.js";
import { eventServiceV1 } from "./event-v1/service.js";
import { adminServiceV1 } from "./admin-v1/service.js";
import { actionService } from "./action/service.js";
import { deliveryServiceV1 } from "./delivery-v1/service.js";
import { lockoutPolicyServiceV1 } from "./lockout-policy-v1/service.js";
import type { Deps } from "../commands/deps.js";
import { type HealthOptions, healthService } from "./health.js";
import { reflectionServices } from "./reflection/service.js";
import { managementServiceV1 } from "./management-v1/service.js";
import { organizationServiceV2 } from "./org-v2/service.js";
import { organizationServiceV2beta } from "./org-v2beta/service.js";
import { sessionServiceV2 } from "./session-v2/service.js";
import { settingsServiceV2 } from "./settings-v2/service.js";
import { userServiceV2 } from "./user-v2/service.js";

/** Every service this server offers, on every protocol. */
export const services: DescService[] = [UserService, ManagementService, OrganizationServiceV2, OrganizationServiceV2beta, ApiKeyService, SessionService, SettingsService, EventService, AdminService, LockoutPolicyService, ActionServiceV2beta, ActionServiceV2, DeliveryService, LifecyclePolicyService, Health, ReflectionV1, ReflectionV1alpha];

/** Services anyone may call without a token: health checking and reflection (public descriptors). */
export const publicServices = new Set<string>([Health.typeName, ReflectionV1.typeName, ReflectionV1alpha.typeName]);

/** REST paths of management v1 live under this prefix, as on the platform. */
export const restPrefixes: Record<string, string> = { [ManagementService.typeName]: "/management/v1", [AdminService.typeName]: "/admin/v1" };

/** The one registration point: every service and its implementation, for the RPC protocols and REST alike. */
export function implementations(deps: Deps, health: Omit<HealthOptions, "services">) {
  const reflection = reflectionServices(services);
  return [
    { service: UserService, impl: userServiceV2(deps) },
    { service: ManagementService, impl: managementServiceV1(deps) },
    { service: OrganizationServiceV2, impl: organizationServiceV2(deps) },
    { service: OrganizationServiceV2beta, impl: organizationServiceV2beta(deps) },
    { service: ApiKeyService, impl: apiKeyServiceV1(deps) },
    { service: SessionService, impl: sessionServiceV2(deps) },
    { service: SettingsService, impl: settingsServiceV2(deps) },
    { service: EventService, impl: eventServiceV1(deps) },
    { service: AdminService, impl: adminServiceV1(deps) },
    { service: LockoutPolicyService, impl: lockoutPolicyServiceV1(deps) },
    { service: ActionServiceV2beta, impl: actionService(deps) },
    { service: ActionServiceV2, impl: actionService(deps) },
    { service: DeliveryService, impl: deliveryServiceV1(deps) },
    { service: LifecyclePolicyService, impl: lifecyclePolicyServiceV1(deps) },
    { service: Health, impl: healthService({ ...health, services }) },
    { service: ReflectionV1, impl: reflection.v1 },
    { service: ReflectionV1alpha, impl: reflection.v1alpha },
  ];
}

/** The implementations on connect's router (gRPC, gRPC-web, Connect). */
export function routesOf(list: ReturnType<typeof implementations>) {
  return (router: ConnectRouter) => {
    for (const { service, impl } of list) router.service(service, impl);
  };
}

import type { ConnectRouter } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ApiKeyService } from "../../gen/zitadel/apikey/v1/api_key_service_pb.js";
import { EventService } from "../../gen/zitadel/event/v1/event_service_pb.js";
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
export const services: DescService[] = [UserService, ManagementService, OrganizationServiceV2, OrganizationServiceV2beta, ApiKeyService, SessionService, SettingsService, EventService, LifecyclePolicyService, Health, ReflectionV1, ReflectionV1alpha];

/** Services anyone may call without a token: health checking and reflection (public descriptors). */
export const publicServices = new Set<string>([Health.typeName, ReflectionV1.typeName, ReflectionV1alpha.typeName]);

/** REST paths of management v1 live under this prefix, as on the platform. */
export const restPrefixes: Record<string, string> = { [ManagementService.typeName]: "/management/v1" };

/** The one registration point. */
export function routes(deps: Deps, health: Omit<HealthOptions, "services">) {
  return (router: ConnectRouter) => {
    router.service(UserService, userServiceV2(deps));
    router.service(ManagementService, managementServiceV1(deps));
    router.service(OrganizationServiceV2, organizationServiceV2(deps));
    router.service(OrganizationServiceV2beta, organizationServiceV2beta(deps));
    router.service(ApiKeyService, apiKeyServiceV1(deps));
    router.service(SessionService, sessionServiceV2(deps));
    router.service(SettingsService, settingsServiceV2(deps));
    router.service(EventService, eventServiceV1(deps));
    router.service(LifecyclePolicyService, lifecyclePolicyServiceV1(deps));
    router.service(Health, healthService({ ...health, services }));
    const reflection = reflectionServices(services);
    router.service(ReflectionV1, reflection.v1);
    router.service(ReflectionV1alpha, reflection.v1alpha);
  };
}

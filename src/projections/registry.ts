import type { Projection } from "../eventstore/types.js";
import { instanceMembersProjection, orgMembersProjection, personalAccessTokensProjection } from "./access/projections.js";
import { executionsProjection, targetsProjection } from "./actions/projections.js";
import { apiKeysProjection } from "./api-keys/projection.js";
import { orgsProjection } from "./orgs/projection.js";
import { usersProjection } from "./users/projection.js";
import { orgLoginStatesProjection, userLoginStatesProjection } from "./credentials/projections.js";
import { sessionsProjection } from "./sessions/projection.js";
import { inactivityPoliciesProjection } from "./lifecycle/policies.js";
import { userSchedulesProjection } from "./lifecycle/schedules.js";

/** Every read model, updated inline by the event store and rebuilt by `npm run projections:rebuild`. */
export const projections: readonly Projection[] = [
  usersProjection,
  orgsProjection,
  orgMembersProjection,
  instanceMembersProjection,
  personalAccessTokensProjection,
  apiKeysProjection,
  sessionsProjection,
  userLoginStatesProjection,
  orgLoginStatesProjection,
  targetsProjection,
  executionsProjection,
  userSchedulesProjection,
  inactivityPoliciesProjection,
];

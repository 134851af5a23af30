import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/zitadel/user/v2/user_service_pb.js";
import type { Deps } from "../../commands/deps.js";
import { addHumanUserV2 } from "./add-human-user.js";
import { addPersonalAccessTokenV2 } from "./add-personal-access-token.js";
import { createUserV2 } from "./create-user.js";
import { getUserByIdV2 } from "./get-user-by-id.js";
import { userLifecycleV2 } from "./lifecycle.js";
import { listUsersV2 } from "./list-users.js";
import { passwordResetV2 } from "./password-reset.js";
import { setPasswordV2 } from "./set-password.js";

export function userServiceV2(deps: Deps): ServiceImpl<typeof UserService> {
  return {
    ...userLifecycleV2(deps),
    addHumanUser: addHumanUserV2(deps),
    createUser: createUserV2(deps),
    getUserByID: getUserByIdV2(deps),
    listUsers: listUsersV2(deps),
    addPersonalAccessToken: addPersonalAccessTokenV2(deps),
    setPassword: setPasswordV2(deps),
    passwordReset: passwordResetV2(deps),
  };
}

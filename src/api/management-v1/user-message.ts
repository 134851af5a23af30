import { create } from "@bufbuild/protobuf";
import { UserSchema, UserState } from "../../../gen/zitadel/user_pb.js";
import type { UserRow } from "../../projections/users/queries.js";
import { detailsV1, rowDetails } from "../convert.js";

// v1 numbers INITIAL differently from v2 (6, after SUSPEND).
const STATES: Record<string, UserState> = {
  initial: UserState.INITIAL,
  active: UserState.ACTIVE,
  inactive: UserState.INACTIVE,
  locked: UserState.LOCKED,
  deleted: UserState.DELETED,
};

/** A users_v1 row as zitadel.user.v1.User. */
export function userV1(row: UserRow) {
  return create(UserSchema, {
    id: row.id,
    details: detailsV1(rowDetails(row)),
    state: STATES[row.state] ?? UserState.UNSPECIFIED,
    userName: row.username,
    loginNames: [row.username],
    preferredLoginName: row.username,
    type:
      row.type === "machine"
        ? { case: "machine", value: { name: row.machine_name ?? "", description: row.machine_description ?? "" } }
        : {
            case: "human",
            value: {
              profile: {
                firstName: row.given_name ?? "",
                lastName: row.family_name ?? "",
                nickName: row.nick_name ?? "",
                displayName: row.display_name ?? "",
                preferredLanguage: row.preferred_language ?? "",
                gender: row.gender ?? 0,
              },
              email: { email: row.email ?? "", isEmailVerified: row.email_verified },
              phone: { phone: row.phone ?? "", isPhoneVerified: row.phone_verified },
            },
          },
  });
}

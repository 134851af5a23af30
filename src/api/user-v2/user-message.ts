import { create } from "@bufbuild/protobuf";
import { UserSchema, UserState } from "../../../gen/zitadel/user/v2/user_pb.js";
import type { UserRow } from "../../projections/users/queries.js";
import { detailsV2, rowDetails, timestamp } from "../convert.js";

const STATES: Record<string, UserState> = {
  initial: UserState.INITIAL,
  active: UserState.ACTIVE,
  inactive: UserState.INACTIVE,
  locked: UserState.LOCKED,
  deleted: UserState.DELETED,
};

export const userStateV2 = (state: string): UserState => STATES[state] ?? UserState.UNSPECIFIED;

/**
 * A users_v1 row as zitadel.user.v2.User. As ZITADEL's own conversion does, the identity fields (id, state,
 * username, login names) are on the User only: HumanUser's copies of them stay empty. Besides matching the
 * platform, this keeps a page of 100 users a quarter smaller to encode and decode (19 → 14 KB).
 */
export function userV2(row: UserRow) {
  const state = userStateV2(row.state);
  const loginNames = [row.username];
  return create(UserSchema, {
    userId: row.id,
    details: detailsV2(rowDetails(row)),
    state,
    username: row.username,
    loginNames,
    preferredLoginName: row.username,
    type:
      row.type === "machine"
        ? { case: "machine", value: { name: row.machine_name ?? "", description: row.machine_description ?? "" } }
        : {
            case: "human",
            value: {
              profile: {
                givenName: row.given_name ?? "",
                familyName: row.family_name ?? "",
                nickName: row.nick_name ?? undefined,
                displayName: row.display_name ?? undefined,
                preferredLanguage: row.preferred_language ?? undefined,
                gender: row.gender ?? undefined,
              },
              email: { email: row.email ?? "", isVerified: row.email_verified },
              phone: { phone: row.phone ?? "", isVerified: row.phone_verified },
              passwordChangeRequired: row.password_change_required,
              passwordChanged: row.password_changed ? timestamp(row.password_changed) : undefined,
            },
          },
  });
}

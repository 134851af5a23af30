import type { UsersTable } from "../../db/schema.js";
import type { UserEvent } from "../../domain/user/events.js";
import type { Projection, StoredEvent } from "../../eventstore/types.js";
import { detailsColumns } from "../details.js";

type Row = Omit<UsersTable, keyof ReturnType<typeof detailsColumns>>;

function reduce(row: Row | undefined, event: StoredEvent<UserEvent>): Row | undefined {
  switch (event.type) {
    case "user.human.added": {
      const { data } = event;
      return {
        id: event.aggregateId,
        state: data.email.verified || data.passwordHash ? "active" : "initial",
        type: "human",
        username: data.username,
        given_name: data.profile.givenName,
        family_name: data.profile.familyName,
        nick_name: data.profile.nickName ?? null,
        display_name: data.profile.displayName ?? null,
        preferred_language: data.profile.preferredLanguage ?? null,
        gender: data.profile.gender ?? null,
        email: data.email.address,
        email_verified: data.email.verified,
        phone: data.phone?.number ?? null,
        phone_verified: data.phone?.verified ?? false,
        password_change_required: data.passwordChangeRequired ?? false,
        password_changed: data.passwordHash ? event.createdAt : null,
        machine_name: null,
        machine_description: null,
      };
    }
    case "user.machine.added":
      return {
        id: event.aggregateId,
        state: "active",
        type: "machine",
        username: event.data.username,
        given_name: null,
        family_name: null,
        nick_name: null,
        display_name: null,
        preferred_language: null,
        gender: null,
        email: null,
        email_verified: false,
        phone: null,
        phone_verified: false,
        password_change_required: false,
        password_changed: null,
        machine_name: event.data.name,
        machine_description: event.data.description,
      };
  }
  if (!row) return row;
  switch (event.type) {
    case "user.deactivated":
      return { ...row, state: "inactive" };
    case "user.locked":
      return { ...row, state: "locked" };
    case "user.reactivated":
    case "user.unlocked":
      return { ...row, state: "active" };
    case "user.password.changed":
      return { ...row, password_changed: event.createdAt, password_change_required: event.data.changeRequired };
    case "user.removed":
      return undefined;
    default:
      return row;
  }
}

/** users_v1: one row per existing user, serving GetUserByID and ListUsers on every API. */
export const usersProjection: Projection = {
  table: "users_v1",
  aggregateType: "user",
  primaryKey: ["id"],
  rows(stream) {
    let row: Row | undefined;
    for (const event of stream as StoredEvent<UserEvent>[]) row = reduce(row, event);
    return row ? [{ ...row, ...detailsColumns(stream) }] : [];
  },
};

import type { UsersTable } from "../../db/schema.js";
import type { ScimAttributes, UserEvent } from "../../domain/user/events.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";
import { changedDetails, createdDetails, detailsColumns } from "../details.js";

type Row = Omit<UsersTable, keyof ReturnType<typeof detailsColumns>>;

/** The row an `added` event creates; undefined for every other event. */
function created(event: StoredEvent<UserEvent>): Row | undefined {
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
        external_id: null,
        idle_since: event.createdAt,
        lifecycle_exempt: false,
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
        external_id: null,
        idle_since: event.createdAt,
        lifecycle_exempt: false,
      };
  }
  return undefined;
}

/** The columns a later event changes; null when the row goes. */
function changed(event: StoredEvent<UserEvent>): Partial<Row> | null {
  switch (event.type) {
    case "user.deactivated":
      return { state: "inactive" };
    case "user.locked":
      return { state: "locked" };
    case "user.reactivated":
      return { state: "active", idle_since: event.createdAt };
    case "user.unlocked":
      return { state: "active" };
    case "user.activity.recorded":
      return { idle_since: new Date(event.data.until) };
    case "user.lifecycle.exemption.set":
      return { lifecycle_exempt: event.data.exempt };
    case "user.password.changed":
      return { password_changed: event.createdAt, password_change_required: event.data.changeRequired };
    case "user.scim.attributes.set":
      return scimColumns(event.data);
    case "user.removed":
      return null;
    default:
      return {};
  }
}

function scimColumns(data: ScimAttributes): Partial<Row> {
  const set: Partial<Row> = {};
  if (data.externalId !== undefined) set.external_id = data.externalId;
  if (data.givenName !== undefined) set.given_name = data.givenName;
  if (data.familyName !== undefined) set.family_name = data.familyName;
  if (data.displayName !== undefined) set.display_name = data.displayName;
  if (data.nickName !== undefined) set.nick_name = data.nickName;
  if (data.preferredLanguage !== undefined) set.preferred_language = data.preferredLanguage;
  // A SCIM client's addresses count as verified, as the ones it sends on creation (ZITADEL's default).
  if (data.email !== undefined) Object.assign(set, { email: data.email, email_verified: true });
  if (data.phone !== undefined) Object.assign(set, { phone: data.phone, phone_verified: data.phone !== null });
  return set;
}

/** users_v1: one row per existing user, serving GetUserByID and ListUsers on every API. */
export const usersProjection: Projection = {
  table: "users_v1",
  aggregateType: "user",
  primaryKey: ["id"],
  rows(stream) {
    let row: Row | undefined;
    for (const event of stream as StoredEvent<UserEvent>[]) {
      const fresh = created(event);
      if (fresh) row = fresh;
      else if (row) {
        const patch = changed(event);
        row = patch === null ? undefined : { ...row, ...patch };
      }
    }
    return row ? [{ ...row, ...detailsColumns(stream) }] : [];
  },
  evolve(e): RowChange[] {
    const event = e as StoredEvent<UserEvent>;
    const row = created(event);
    if (row) return [{ op: "upsert", row: { ...row, ...createdDetails(event) } }];
    const patch = changed(event);
    const key = { id: event.aggregateId };
    return patch === null ? [{ op: "delete", where: key }] : [{ op: "update", key, set: { ...patch, ...changedDetails(event) } }];
  },
};

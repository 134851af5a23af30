import type { ColumnType, Generated } from "kysely";
import type { ActionTables } from "./action-schema.js";

/** Columns that are written as JSON text and read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface EventsTable {
  position: Generated<number>;
  transaction_id: Generated<string>;
  aggregate_type: string;
  aggregate_id: string;
  sequence: number;
  type: string;
  payload: Json<Record<string, unknown>>;
  creator: string;
  resource_owner: string;
  created_at: Date;
}

/** The folded state of one stream at `version`, written with its events (see src/eventstore/snapshots.ts). */
export interface AggregateSnapshotsTable {
  aggregate_type: string;
  aggregate_id: string;
  schema_version: number;
  version: number;
  state: Json<unknown>;
  resource_owner: string;
  creation_date: Date;
}

export interface UniqueClaimsTable {
  scope: string;
  value: string;
  aggregate_id: string;
}

/** Columns every read model row carries for `details`. */
export interface DetailsColumns {
  resource_owner: string;
  sequence: number;
  position: number;
  creation_date: Date;
  change_date: Date;
}

export interface UsersTable extends DetailsColumns {
  id: string;
  state: string;
  type: string;
  username: string;
  given_name: string | null;
  family_name: string | null;
  nick_name: string | null;
  display_name: string | null;
  preferred_language: string | null;
  gender: number | null;
  email: string | null;
  email_verified: boolean;
  phone: string | null;
  phone_verified: boolean;
  password_change_required: boolean;
  password_changed: Date | null;
  machine_name: string | null;
  machine_description: string | null;
  /** The identifier a SCIM client (an IdP) gave the user; null otherwise. */
  external_id: string | null;
  /** No activity is known after this moment (creation, reactivation or the end of the last activity day). */
  idle_since: Date;
  /** Marked exempt from inactivity policies. */
  lifecycle_exempt: boolean;
}

export interface OrgsTable extends DetailsColumns {
  id: string;
  name: string;
  state: string;
  primary_domain: string;
}

export interface OrgMembersTable {
  org_id: string;
  user_id: string;
  roles: Json<string[]>;
}

export interface InstanceMembersTable {
  user_id: string;
  roles: Json<string[]>;
}

export interface PersonalAccessTokensTable {
  token_hash: string;
  token_id: string;
  user_id: string;
  expiration: Date | null;
  created_at: Date;
}

export interface ApiKeysTable extends DetailsColumns {
  id: string;
  name: string;
  key_hash: string;
  org_id: string | null;
  state: string;
}

export interface IdempotencyRecordsTable {
  api_key_id: string;
  ref: string;
  /** sha-256 of method, path and body */
  fingerprint: string;
  state: "in_progress" | "done";
  claim_id: string;
  status: number | null;
  body: string | null;
  created_at: Date;
}

export interface SessionsTable extends DetailsColumns {
  id: string;
  user_id: string;
  token_hash: string;
  created_position: number;
  user_checked_at: Date;
  password_checked_at: Date | null;
  expiration: Date | null;
  metadata: Json<Record<string, string>>;
}

export interface UserLoginStatesTable {
  user_id: string;
  sessions_valid_after: number;
  policy_locked_at: Date | null;
}

export interface OrgLoginStatesTable {
  org_id: string;
  sessions_valid_after: number;
}

/** A scheduled deactivation's due steps, one row per step still to run (see projections/lifecycle). */
export interface UserSchedulesTable {
  user_id: string;
  step: string;
  schedule_id: string;
  resource_owner: string;
  due_at: Date;
}

export interface InactivityPoliciesTable {
  /** the organization's id, or "instance" for the default */
  scope_id: string;
  policy_id: string;
  inactive_days: number;
  include_machine_users: boolean;
  dry_run: boolean;
  dry_run_through: Date | null;
  change_date: Date;
}

export interface Database extends ActionTables {
  events: EventsTable;
  unique_claims: UniqueClaimsTable;
  aggregate_snapshots: AggregateSnapshotsTable;
  users_v1: UsersTable;
  orgs_v1: OrgsTable;
  org_members_v1: OrgMembersTable;
  instance_members_v1: InstanceMembersTable;
  personal_access_tokens_v1: PersonalAccessTokensTable;
  api_keys_v1: ApiKeysTable;
  idempotency_records: IdempotencyRecordsTable;
  sessions_v1: SessionsTable;
  user_login_states_v1: UserLoginStatesTable;
  org_login_states_v1: OrgLoginStatesTable;
  user_schedules_v1: UserSchedulesTable;
  inactivity_policies_v1: InactivityPoliciesTable;
}

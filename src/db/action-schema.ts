import type { ColumnType, Generated } from "kysely";

/** Tables of actions and outbound delivery (migrations 0013-actions, 0014-delivery). */
export interface ActionTables {
  targets_v1: {
    id: string;
    name: string;
    endpoint: string;
    timeout_ms: number;
    target_type: string;
    interrupt_on_error: boolean;
    signing_key_id: string;
    state: string;
    resource_owner: string;
    sequence: number;
    position: number;
    creation_date: Date;
    change_date: Date;
  };
  executions_v1: {
    id: string;
    condition_kind: string;
    condition_value: string | null;
    targets: ColumnType<string[], string, string>;
    resource_owner: string;
    sequence: number;
    position: number;
    creation_date: Date;
    change_date: Date;
  };
  target_signing_keys: { id: string; target_id: string; signing_key: string; created_at: Date };
  delivery_cursors: { target_id: string; after_xid: string; after_position: number; consecutive_failures: Generated<number>; failing_since: Date | null };
  deliveries: {
    target_id: string;
    position: number;
    aggregate_type: string;
    aggregate_id: string;
    sequence: number;
    event_type: string;
    event_created_at: Date;
    state: string;
    attempts: Generated<number>;
    next_attempt_at: Date;
    lease_until: Date | null;
    last_status: number | null;
    last_error: string | null;
    created_at: Date;
    finished_at: Date | null;
  };
  delivery_log: {
    id: Generated<number>;
    target_id: string;
    position: number;
    attempt: number;
    outcome: string;
    status_code: number | null;
    latency_ms: number;
    error: string | null;
    at: Date;
  };
}

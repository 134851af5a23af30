import type { Aggregate, DomainEvent, StoredEvent } from "../../eventstore/types.js";

/** The one instance aggregate: whether first-start setup ran, and who holds instance-wide roles. */
export type InstanceEvent =
  | DomainEvent<"instance.setup", { defaultOrgId: string }>
  | DomainEvent<"instance.member.added", { userId: string; roles: string[] }>;

export interface InstanceState {
  setUp: boolean;
  defaultOrgId?: string;
}

export const INSTANCE_ID = "instance";
export const INSTANCE_ROLES = ["IAM_OWNER"] as const;

export const instanceAggregate: Aggregate<InstanceState, InstanceEvent> = {
  type: "instance",
  initialState: () => ({ setUp: false }),
  evolve: (state, event: StoredEvent<InstanceEvent>) =>
    event.type === "instance.setup" ? { setUp: true, defaultOrgId: event.data.defaultOrgId } : state,
};

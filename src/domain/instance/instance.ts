import type { Aggregate, DomainEvent, StoredEvent } from "../../eventstore/types.js";
import { failedPrecondition } from "../errors.js";

/** The one instance aggregate: whether first-start setup ran, and who holds instance-wide roles. */
export type InstanceEvent =
  | DomainEvent<"instance.setup", { defaultOrgId: string }>
  /** Grants instance roles; a later grant for the same user replaces the earlier one. */
  | DomainEvent<"instance.member.added", { userId: string; roles: string[] }>;

export interface InstanceState {
  setUp: boolean;
  defaultOrgId?: string;
  /** Users holding IAM_OWNER: the ones the last-owner rule protects. */
  owners: string[];
}

export const INSTANCE_ID = "instance";
export const INSTANCE_OWNER = "IAM_OWNER";
export const INSTANCE_ROLES = [INSTANCE_OWNER] as const;

export const isInstanceOwner = (state: InstanceState, userId: string) => state.owners.includes(userId);

function evolveInstance(state: InstanceState, event: StoredEvent<InstanceEvent>): InstanceState {
  switch (event.type) {
    case "instance.setup":
      return { ...state, setUp: true, defaultOrgId: event.data.defaultOrgId };
    case "instance.member.added": {
      const others = state.owners.filter((id) => id !== event.data.userId);
      return { ...state, owners: event.data.roles.includes(INSTANCE_OWNER) ? [...others, event.data.userId] : others };
    }
    default:
      return state;
  }
}

export const instanceAggregate: Aggregate<InstanceState, InstanceEvent> = {
  type: "instance",
  // 2: the state holds `owners`; older snapshots are ignored and the (short) stream is folded again.
  snapshotVersion: 2,
  initialState: () => ({ setUp: false, owners: [] }),
  evolve: evolveInstance,
};

/** Sets up the instance once: its default organization and its first owner. */
export function setUpInstance(state: InstanceState, defaultOrgId: string, ownerId: string): InstanceEvent[] {
  if (state.setUp) return [];
  return [
    { type: "instance.setup", data: { defaultOrgId } },
    { type: "instance.member.added", data: { userId: ownerId, roles: [INSTANCE_OWNER] } },
  ];
}

/** Makes a user an instance owner (the instance must be set up). */
export function addInstanceOwner(state: InstanceState, userId: string): InstanceEvent[] {
  if (!state.setUp) throw failedPrecondition("INSTANCE-not-set-up", "The instance is not set up yet: start the server once first");
  return [{ type: "instance.member.added", data: { userId, roles: [INSTANCE_OWNER] } }];
}

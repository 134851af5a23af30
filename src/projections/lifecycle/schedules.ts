import type { UserEvent } from "../../domain/user/events.js";
import { evolveUser, initialUserState, type UserState } from "../../domain/user/state.js";
import type { Projection, RowChange, StoredEvent } from "../../eventstore/types.js";

const step = (userId: string, name: "deactivate" | "delete") => ({ user_id: userId, step: name });

/** The schedule's steps still to run, as the user's folded state holds them. */
function rowsOf(userId: string, owner: string, state: UserState): Record<string, unknown>[] {
  if (state.status === "absent" || state.status === "deleted" || !state.schedule) return [];
  const { id, deactivateAt, deleteAt, deactivated } = state.schedule;
  const rows: Record<string, unknown>[] = [];
  if (!deactivated) rows.push({ ...step(userId, "deactivate"), schedule_id: id, resource_owner: owner, due_at: deactivateAt });
  if (deleteAt) rows.push({ ...step(userId, "delete"), schedule_id: id, resource_owner: owner, due_at: deleteAt });
  return rows;
}

/**
 * user_schedules_v1: one row per pending step of a user's scheduled deactivation (deactivate, then delete),
 * with its due time: the scheduler's work list, claimed by the due-time index. A step's row goes when the
 * step is done, skipped or cancelled; any deactivation completes the first step, reactivation ends both.
 */
export const userSchedulesProjection: Projection = {
  table: "user_schedules_v1",
  aggregateType: "user",
  primaryKey: ["user_id", "step"],
  rows(stream) {
    let state = initialUserState();
    for (const event of stream as StoredEvent<UserEvent>[]) state = evolveUser(state, event);
    const last = stream[stream.length - 1];
    return last ? rowsOf(last.aggregateId, last.resourceOwner, state) : [];
  },
  evolve(e): RowChange[] {
    const event = e as StoredEvent<UserEvent>;
    const id = event.aggregateId;
    const remove = (name: "deactivate" | "delete"): RowChange => ({ op: "delete", where: step(id, name) });
    switch (event.type) {
      case "user.deactivation.scheduled": {
        const { scheduleId, deactivateAt, deleteAt } = event.data;
        const row = { schedule_id: scheduleId, resource_owner: event.resourceOwner };
        return [
          { op: "upsert", row: { ...step(id, "deactivate"), ...row, due_at: new Date(deactivateAt) } },
          deleteAt ? { op: "upsert", row: { ...step(id, "delete"), ...row, due_at: new Date(deleteAt) } } : remove("delete"),
        ];
      }
      case "user.deactivated":
      case "user.deactivation.schedule.skipped":
        return [remove("deactivate")];
      case "user.deactivation.schedule.cancelled":
      case "user.reactivated":
      case "user.removed":
        return [remove("deactivate"), remove("delete")];
      default:
        return [];
    }
  },
};

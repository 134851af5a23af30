import { type Expression, type SqlBool, sql } from "kysely";
import type { Db } from "../db/database.js";
import { BELOW_RUNNING, type LogEvent, logEventOf } from "./read.js";

/** The admin API's event search: the platform's filters over the whole instance. */
export interface EventSearch {
  /** Events whose aggregate sequence is greater than this (0: any). */
  sequenceAfter: number;
  limit: number;
  ascending: boolean;
  editorUserId?: string;
  eventTypes: string[];
  aggregateId?: string;
  aggregateTypes: string[];
  resourceOwner?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/**
 * One indexed statement in position order, newest first unless ascending. Reads only below the oldest running
 * transaction, as the platform waits for open transactions, so a page never shows a gap that fills later.
 */
export async function searchEvents(db: Db, search: EventSearch): Promise<(LogEvent & { editorDisplayName: string | null })[]> {
  const rows = await db
    .selectFrom("events as e")
    .leftJoin("users_v1 as u", "u.id", "e.creator")
    .select(["e.position", sql<string>`e.transaction_id::text`.as("xid"), "e.type", "e.aggregate_type", "e.aggregate_id", "e.sequence", "e.created_at", "e.creator", "e.resource_owner", "e.payload", "u.display_name"])
    .where(({ eb, and }) => {
      const conditions: Expression<SqlBool>[] = [BELOW_RUNNING];
      if (search.sequenceAfter) conditions.push(eb("e.sequence", ">", search.sequenceAfter));
      if (search.editorUserId) conditions.push(eb("e.creator", "=", search.editorUserId));
      if (search.eventTypes.length) conditions.push(eb("e.type", "in", search.eventTypes));
      if (search.aggregateId) conditions.push(eb("e.aggregate_id", "=", search.aggregateId));
      if (search.aggregateTypes.length) conditions.push(eb("e.aggregate_type", "in", search.aggregateTypes));
      if (search.resourceOwner) conditions.push(eb("e.resource_owner", "=", search.resourceOwner));
      if (search.createdAfter) conditions.push(eb("e.created_at", ">", search.createdAfter));
      if (search.createdBefore) conditions.push(eb("e.created_at", "<", search.createdBefore));
      return and(conditions);
    })
    .orderBy("e.position", search.ascending ? "asc" : "desc")
    .limit(search.limit)
    .execute();
  return rows.map((r) => ({ ...logEventOf(r), editorDisplayName: r.display_name }));
}

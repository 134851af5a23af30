import { create } from "@bufbuild/protobuf";
import { ListDetailsSchema, type ListQuery, TextQueryMethod } from "../../gen/zitadel/object/v2/object_pb.js";
import { invalidArgument } from "../domain/errors.js";
import type { ListResult, Page, TextMatch, TextMethod } from "../projections/list-query.js";
import { timestamp } from "./convert.js";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Longest text a text query may search for, like the fields it searches. */
const MAX_TEXT = 200;

/** zitadel.object.v2.ListQuery → a page: limit 0 means the default, more than MAX_LIMIT is refused. */
export function pageOf(query: ListQuery | undefined): Page {
  const limit = query?.limit || DEFAULT_LIMIT;
  if (limit > MAX_LIMIT) throw invalidArgument("LIST-limit-too-large", `limit must be at most ${MAX_LIMIT}`);
  // uint64 offsets past 2^53 lie past any table we hold: clamp rather than refuse.
  const offset = Number(query?.offset ?? 0n);
  return { offset: Math.min(offset, Number.MAX_SAFE_INTEGER), limit, asc: query?.asc ?? false };
}

const METHODS: Record<TextQueryMethod, TextMethod> = {
  [TextQueryMethod.EQUALS]: "equals",
  [TextQueryMethod.EQUALS_IGNORE_CASE]: "equals_ignore_case",
  [TextQueryMethod.STARTS_WITH]: "starts_with",
  [TextQueryMethod.STARTS_WITH_IGNORE_CASE]: "starts_with_ignore_case",
  [TextQueryMethod.CONTAINS]: "contains",
  [TextQueryMethod.CONTAINS_IGNORE_CASE]: "contains_ignore_case",
  [TextQueryMethod.ENDS_WITH]: "ends_with",
  [TextQueryMethod.ENDS_WITH_IGNORE_CASE]: "ends_with_ignore_case",
};

export function textMatch(value: string, method: TextQueryMethod): TextMatch {
  const known = METHODS[method];
  if (!known) throw invalidArgument("LIST-text-method-invalid", `unknown text query method ${method}`);
  if (value.length > MAX_TEXT) throw invalidArgument("LIST-text-too-long", `a text query is at most ${MAX_TEXT} characters`);
  return { value, method: known };
}

export function listDetails(result: ListResult<unknown>, now: Date) {
  return create(ListDetailsSchema, {
    totalResult: BigInt(result.total),
    processedSequence: BigInt(result.processedPosition),
    timestamp: timestamp(now),
  });
}

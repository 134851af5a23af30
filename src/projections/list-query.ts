import { type Expression, type RawBuilder, type SqlBool, sql } from "kysely";

export type TextMethod =
  | "equals"
  | "equals_ignore_case"
  | "starts_with"
  | "starts_with_ignore_case"
  | "contains"
  | "contains_ignore_case"
  | "ends_with"
  | "ends_with_ignore_case";

export interface TextMatch {
  value: string;
  method: TextMethod;
}

/** offset/limit already validated by the caller; `asc` false means newest (or Z) first. */
export interface Page {
  offset: number;
  limit: number;
  asc: boolean;
}

export interface ListResult<R> {
  rows: R[];
  /** Rows matching the filter, ignoring offset and limit. */
  total: number;
  /** Highest event position the read models had reduced when the page was read. */
  processedPosition: number;
}

/** Backslash is LIKE's default escape character, so `%`, `_` and `\` typed by a user match themselves. */
const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The column matches the text. A NULL column never matches and never yields NULL, so a NOT around the
 * match keeps rows without a value (a machine has no first name, so "first name is not X" includes it).
 */
export function textMatches(column: Expression<string | null>, { value, method }: TextMatch): RawBuilder<SqlBool> {
  const ignoreCase = method.endsWith("_ignore_case");
  const kind = method.replace("_ignore_case", "");
  const fold = (e: Expression<unknown>) => (ignoreCase ? sql`lower(${e})` : e);
  const pattern =
    kind === "starts_with" ? `${escapeLike(value)}%` : kind === "ends_with" ? `%${escapeLike(value)}` : `%${escapeLike(value)}%`;
  const test =
    kind === "equals" ? sql`${fold(column)} = ${fold(sql`cast(${value} as text)`)}` : sql`${fold(column)} like ${fold(sql`cast(${pattern} as text)`)}`;
  return sql<SqlBool>`(${column} is not null and ${test})`;
}

/** Matches no row; kysely cannot render an empty `in ()`. */
export const noRow = sql<SqlBool>`false`;

/** The log position the inline read models are at: they are written in the events' own transaction. */
export const processedPosition = sql<number>`(select coalesce(max(position), 0) from events)`;

import type { TextMethod } from "../projections/list-query.js";
import type { UserFilter, UserSortColumn, UserTextField } from "../projections/users/list.js";
import { invalidFilter, invalidValue } from "./errors.js";
import { type Filter, normalizeAttr } from "./filter.js";

/** SCIM attributes a list may filter and sort on: the users_v1 column and whether SCIM compares it case-exactly. */
const TEXT_ATTRS: Record<string, { field: UserTextField; caseExact: boolean }> = {
  username: { field: "username", caseExact: false },
  externalid: { field: "external_id", caseExact: true },
  emails: { field: "email", caseExact: false },
  "emails.value": { field: "email", caseExact: false },
  "name.givenname": { field: "given_name", caseExact: false },
  "name.familyname": { field: "family_name", caseExact: false },
  displayname: { field: "display_name", caseExact: false },
  nickname: { field: "nick_name", caseExact: false },
  phonenumbers: { field: "phone", caseExact: false },
  "phonenumbers.value": { field: "phone", caseExact: false },
};

const METHODS: Partial<Record<string, TextMethod>> = { eq: "equals", co: "contains", sw: "starts_with", ew: "ends_with" };

/** A parsed SCIM filter as a users_v1 query; attributes and operators this server cannot answer are `invalidFilter`. */
export function toUserFilter(filter: Filter): UserFilter {
  switch (filter.kind) {
    case "and":
    case "or":
      return { kind: filter.kind, filters: [toUserFilter(filter.left), toUserFilter(filter.right)] };
    case "not":
      return { kind: "not", filter: toUserFilter(filter.filter) };
    case "valuePath":
      // emails[value eq "x"] is emails.value eq "x"; other sub-attributes (type, primary) are not stored.
      return toUserFilter(prefixed(filter.filter, filter.attr));
    case "present": {
      const text = TEXT_ATTRS[filter.attr];
      // Every user has an id and an active state: matches all.
      if (filter.attr === "id" || filter.attr === "active") return { kind: "not", filter: { kind: "ids", ids: [] } };
      if (!text) throw invalidFilter(`Cannot filter on attribute "${filter.attr}"`);
      return { kind: "text", field: text.field, match: { value: "", method: "contains" } };
    }
    case "compare":
      return compare(filter);
  }
}

function prefixed(filter: Filter, parent: string): Filter {
  switch (filter.kind) {
    case "and":
    case "or":
      return { ...filter, left: prefixed(filter.left, parent), right: prefixed(filter.right, parent) };
    case "not":
      return { kind: "not", filter: prefixed(filter.filter, parent) };
    case "valuePath":
      throw invalidFilter("Nested value filters are not supported");
    default:
      if (filter.attr !== "value") throw invalidFilter(`Cannot filter on attribute "${parent}.${filter.attr}"`);
      return { ...filter, attr: `${parent}.value` };
  }
}

function compare(filter: Extract<Filter, { kind: "compare" }>): UserFilter {
  const { attr, op, value } = filter;
  if (attr === "id") {
    if (typeof value !== "string" || (op !== "eq" && op !== "ne")) throw invalidFilter("id supports only eq and ne with a string");
    const ids: UserFilter = { kind: "ids", ids: [value] };
    return op === "eq" ? ids : { kind: "not", filter: ids };
  }
  if (attr === "active") {
    if (typeof value !== "boolean" || (op !== "eq" && op !== "ne")) throw invalidFilter("active supports only eq and ne with true or false");
    const inactive: UserFilter = { kind: "state", state: "inactive" };
    return (op === "eq") === value ? { kind: "not", filter: inactive } : inactive;
  }
  const text = TEXT_ATTRS[attr];
  if (!text) throw invalidFilter(`Cannot filter on attribute "${attr}"`);
  if (typeof value !== "string") throw invalidFilter(`"${attr}" compares with a string value`);
  const base = op === "ne" ? METHODS.eq : METHODS[op];
  if (!base) throw invalidFilter(`Operator "${op}" is not supported`);
  const match: UserFilter = { kind: "text", field: text.field, match: { value, method: text.caseExact ? base : (`${base}_ignore_case` as TextMethod) } };
  return op === "ne" ? { kind: "not", filter: match } : match;
}

const SORT_COLUMNS: Record<string, UserSortColumn> = {
  username: "username",
  externalid: "external_id",
  "emails.value": "email",
  emails: "email",
  "name.givenname": "given_name",
  "name.familyname": "family_name",
  displayname: "display_name",
  "meta.created": "creation_date",
};

/** `sortBy` as a users_v1 column; an attribute this server cannot sort on is `invalidValue`. */
export function sortColumn(sortBy: string | undefined): UserSortColumn {
  if (sortBy === undefined || sortBy === "") return "creation_date";
  const column = SORT_COLUMNS[normalizeAttr(sortBy)];
  if (!column) throw invalidValue(`Cannot sort by "${sortBy}"`);
  return column;
}

import { Type, UserFieldName, type SearchQuery } from "../../../gen/zitadel/user/v2/query_pb.js";
import { UserState } from "../../../gen/zitadel/user/v2/user_pb.js";
import { invalidArgument } from "../../domain/errors.js";
import type { UserFilter, UserSortColumn } from "../../projections/users/list.js";
import { textMatch } from "../list-query.js";

/** Bounds that keep one request's SQL small: nesting depth, number of queries, values in id/email lists. */
export const SEARCH_LIMITS = { depth: 20, queries: 100, listValues: 1000 };

const SORT: Record<UserFieldName, UserSortColumn> = {
  [UserFieldName.UNSPECIFIED]: "creation_date",
  [UserFieldName.USER_NAME]: "username",
  [UserFieldName.FIRST_NAME]: "given_name",
  [UserFieldName.LAST_NAME]: "family_name",
  [UserFieldName.NICK_NAME]: "nick_name",
  [UserFieldName.DISPLAY_NAME]: "display_name",
  [UserFieldName.EMAIL]: "email",
  [UserFieldName.STATE]: "state",
  [UserFieldName.TYPE]: "type",
  [UserFieldName.CREATION_DATE]: "creation_date",
};

// DELETED is accepted and matches nothing: deleted users are not listed.
const STATES: Partial<Record<UserState, Extract<UserFilter, { kind: "state" }>["state"]>> = {
  [UserState.INITIAL]: "initial",
  [UserState.ACTIVE]: "active",
  [UserState.INACTIVE]: "inactive",
  [UserState.LOCKED]: "locked",
  [UserState.DELETED]: "deleted",
};

export function userSortColumn(field: UserFieldName): UserSortColumn {
  const column = SORT[field];
  if (!column) throw invalidArgument("USER-sorting-column-invalid", `unknown sorting column ${field}`);
  return column;
}

const invalid = (what: string) => invalidArgument("USER-query-invalid", what);

/** Validates the request's search queries and translates them; every query counts against SEARCH_LIMITS. */
export function userFilters(queries: SearchQuery[]): UserFilter[] {
  const budget = { queries: 0, listValues: 0 };
  const list = (values: string[]) => {
    budget.listValues += values.length;
    if (budget.listValues > SEARCH_LIMITS.listValues) throw invalid(`at most ${SEARCH_LIMITS.listValues} ids or emails per request`);
    return values;
  };
  const one = (query: SearchQuery | undefined, depth: number): UserFilter => {
    if (depth > SEARCH_LIMITS.depth) throw invalid(`queries nest at most ${SEARCH_LIMITS.depth} deep`);
    if (++budget.queries > SEARCH_LIMITS.queries) throw invalid(`at most ${SEARCH_LIMITS.queries} queries per request`);
    const q = query?.query;
    switch (q?.case) {
      case "userNameQuery":
        return { kind: "text", field: "username", match: textMatch(q.value.userName, q.value.method) };
      case "loginNameQuery": // login names are the usernames here
        return { kind: "text", field: "username", match: textMatch(q.value.loginName, q.value.method) };
      case "firstNameQuery":
        return { kind: "text", field: "given_name", match: textMatch(q.value.firstName, q.value.method) };
      case "lastNameQuery":
        return { kind: "text", field: "family_name", match: textMatch(q.value.lastName, q.value.method) };
      case "nickNameQuery":
        return { kind: "text", field: "nick_name", match: textMatch(q.value.nickName, q.value.method) };
      case "displayNameQuery":
        return { kind: "text", field: "display_name", match: textMatch(q.value.displayName, q.value.method) };
      case "emailQuery":
        return { kind: "text", field: "email", match: textMatch(q.value.emailAddress, q.value.method) };
      case "phoneQuery":
        return { kind: "text", field: "phone", match: textMatch(q.value.number, q.value.method) };
      case "stateQuery": {
        const state = STATES[q.value.state];
        if (!state) throw invalid(`state query needs a user state, got ${q.value.state}`);
        return { kind: "state", state };
      }
      case "typeQuery":
        if (q.value.type !== Type.HUMAN && q.value.type !== Type.MACHINE) throw invalid(`type query needs HUMAN or MACHINE, got ${q.value.type}`);
        return { kind: "type", type: q.value.type === Type.HUMAN ? "human" : "machine" };
      case "inUserIdsQuery":
        return { kind: "ids", ids: list(q.value.userIds) };
      case "inUserEmailsQuery":
        return { kind: "emails", emails: list(q.value.userEmails) };
      case "organizationIdQuery":
        if (!q.value.organizationId) throw invalid("organization id query needs an id");
        return { kind: "org", orgId: q.value.organizationId };
      case "orQuery":
      case "andQuery":
        return { kind: q.case === "orQuery" ? "or" : "and", filters: q.value.queries.map((c) => one(c, depth + 1)) };
      case "notQuery":
        return { kind: "not", filter: one(q.value.query, depth + 1) };
      default:
        throw invalid("each search query must set exactly one query");
    }
  };
  return queries.map((q) => one(q, 1));
}

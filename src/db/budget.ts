import { AsyncLocalStorage } from "node:async_hooks";

// A request's database budget: the README promises that a request needing an unreachable or unanswering
// database fails within DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT. Per-statement timeouts alone add up over
// a request's statements (token lookup, load, append, the check after a lost reply), so each request
// carries one deadline, and every wait for a connection and every statement is bounded by what is left.

const deadlines = new AsyncLocalStorage<number | undefined>();

/** Runs `work` with a budget of `ms` from now; undefined or 0 = no budget (work runs as before). */
export function withDatabaseBudget<T>(ms: number | undefined, work: () => T): T {
  return deadlines.run(ms ? Date.now() + ms : undefined, work);
}

/** Runs `work` under an absolute deadline (undefined: none), e.g. a batch of several requests' calls. */
export function withDatabaseDeadline<T>(deadline: number | undefined, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** The current request's deadline (epoch ms), undefined outside any budget (background jobs, streams). */
export function databaseDeadline(): number | undefined {
  return deadlines.getStore();
}

/** Milliseconds left of the current budget; undefined when there is none. */
export function budgetLeftMs(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - Date.now();
}

/** The budget ran out before a statement could start or finish: reported as a database timeout (Unavailable). */
export class BudgetExhaustedError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(what: string) {
    super(`the request's database time (DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT) ran out ${what}`);
    this.name = "BudgetExhaustedError";
  }
}

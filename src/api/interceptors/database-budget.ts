import type { Interceptor } from "@connectrpc/connect";
import { withDatabaseBudget } from "../../db/budget.js";

/**
 * A unary call's database time in all is bounded by `budgetMs` (db/budget.ts). A server stream is not one
 * request's worth of work: its reads are bounded statement by statement, as background work is.
 */
export function databaseBudgetInterceptor(budgetMs: number | undefined): Interceptor {
  return (next) => (req) => (budgetMs && req.method.methodKind === "unary" ? withDatabaseBudget(budgetMs, () => next(req)) : next(req));
}

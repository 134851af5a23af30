import { TextQueryMethod } from "../gen/zitadel/object/v2/object_pb.js";
import { UserState } from "../gen/zitadel/user/v2/user_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import type { ApiClient } from "./clients.js";
import { measure, type PassResult, spread } from "./stats.js";

/** GetUserByID on `count` users drawn evenly from `userIds`; a response without the user is an error. */
export function runGetUserById(client: ApiClient, userIds: readonly string[], count: number, concurrency: number): Promise<PassResult> {
  return measure(spread(userIds, count), { concurrency }, async (userId, time) => {
    await time(async () => {
      const res = await client.call(UserService, "getUserByID", { userId });
      if (res.user?.userId !== userId) throw new Error(`GetUserByID returned ${res.user?.userId} for ${userId}`);
    });
  });
}

export type ListUsersResult = (PassResult & { matching: number; pages: number }) | { skipped: string };

const filter = (prefix: string) => [
  { query: { case: "stateQuery", value: { state: UserState.ACTIVE } } },
  { query: { case: "userNameQuery", value: { userName: prefix, method: TextQueryMethod.STARTS_WITH } } },
];

const page = (client: ApiClient, prefix: string, offset: number) =>
  client.call(UserService, "listUsers", { query: { offset: BigInt(offset), limit: 100, asc: true }, queries: filter(prefix) });

/** The first page, which also tells how many users match; skipped, not failed, while ListUsers is not implemented. */
async function firstPage(client: ApiClient, prefix: string): Promise<{ matching: number } | { skipped: string }> {
  try {
    const first = await page(client, prefix, 0);
    const matching = Number(first.details?.totalResult ?? 0);
    if (matching === 0) throw new Error(`ListUsers found no ACTIVE users starting with ${prefix}`);
    return { matching };
  } catch (error) {
    if (/unimplemented|not implemented|HTTP 501|HTTP 404/i.test(String(error))) return { skipped: "not implemented" };
    throw error;
  }
}

/**
 * ListUsers as its target states it: the first page of 100 (state ACTIVE, user_name STARTS_WITH
 * `prefix`), `count` times at the pass's concurrency.
 */
export async function runListUsersFirstPage(client: ApiClient, prefix: string, count: number, concurrency: number): Promise<ListUsersResult> {
  const first = await firstPage(client, prefix);
  if ("skipped" in first) return first;
  const expected = Math.min(100, first.matching);
  const pass = await measure(Array.from({ length: count }, () => 0), { concurrency }, async (offset, time) => {
    await time(async () => {
      const res = await page(client, prefix, offset);
      if (res.result.length !== expected) throw new Error(`first page has ${res.result.length} users, expected ${expected}`);
    });
  });
  return { ...pass, matching: first.matching, pages: 1 };
}

/**
 * The same filter, `count` pages spread over every page of the matching users (deep offsets included).
 * The total beyond a cap is a lower bound (src/projections/list-query.ts), so the walk pages until a page
 * comes back short, as a client does; the pass then spreads over the pages found.
 */
export async function runListUsers(client: ApiClient, prefix: string, count: number, concurrency: number): Promise<ListUsersResult> {
  const first = await firstPage(client, prefix);
  if ("skipped" in first) return first;
  const matching = await countMatching(client, prefix, first.matching);
  const pages = Math.ceil(matching / 100);
  const offsets = spread(Array.from({ length: pages }, (_, p) => p * 100), count);
  const pass = await measure(offsets, { concurrency }, async (offset, time) => {
    await time(async () => {
      const res = await page(client, prefix, offset);
      if (res.result.length !== Math.min(100, matching - offset)) throw new Error(`page at ${offset} has ${res.result.length} users of ${matching}`);
    });
  });
  return { ...pass, matching, pages };
}

/** Follows the lower bound: asking at the bound's offset either returns the exact total or a higher bound. */
async function countMatching(client: ApiClient, prefix: string, atLeast: number): Promise<number> {
  let total = atLeast;
  for (;;) {
    const res = await page(client, prefix, Math.max(0, total - 100));
    const next = Number(res.details?.totalResult ?? 0);
    if (next === total) return total;
    total = next;
  }
}

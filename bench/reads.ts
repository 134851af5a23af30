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

/**
 * ListUsers, pages of 100 filtered by state ACTIVE and user_name STARTS_WITH `prefix`: the first call
 * learns how many users match, then `count` calls walk pages spread over all of them (deep offsets
 * included). Skipped, not failed, while the server does not implement ListUsers.
 */
export async function runListUsers(client: ApiClient, prefix: string, count: number, concurrency: number): Promise<ListUsersResult> {
  let first;
  try {
    first = await client.call(UserService, "listUsers", { query: { offset: 0n, limit: 100, asc: true }, queries: filter(prefix) });
  } catch (error) {
    if (/unimplemented|not implemented|HTTP 501|HTTP 404/i.test(String(error))) return { skipped: "not implemented" };
    throw error;
  }
  const matching = Number(first.details?.totalResult ?? 0);
  if (matching === 0) throw new Error(`ListUsers found no ACTIVE users starting with ${prefix}`);
  const pages = Math.ceil(matching / 100);
  const offsets = spread(Array.from({ length: pages }, (_, p) => p * 100), count);
  const pass = await measure(offsets, { concurrency }, async (offset, time) => {
    await time(async () => {
      const res = await client.call(UserService, "listUsers", { query: { offset: BigInt(offset), limit: 100, asc: true }, queries: filter(prefix) });
      if (res.result.length !== Math.min(100, matching - offset)) throw new Error(`page at ${offset} has ${res.result.length} users of ${matching}`);
    });
  });
  return { ...pass, matching, pages };
}

import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { TextQueryMethod as M } from "../../gen/zitadel/object/v2/object_pb.js";
import { type SearchQuerySchema, Type, UserFieldName as F } from "../../gen/zitadel/user/v2/query_pb.js";
import { type User, UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { expectOk, rest } from "../harness/clients.js";
import { newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

type Q = MessageInitShape<typeof SearchQuerySchema>;
const sq = (c: string, value: object) => ({ query: { case: c, value } }) as Q;
const org = (organizationId: string) => sq("organizationIdQuery", { organizationId });
const or = (...queries: Q[]) => sq("orQuery", { queries });
const and = (...queries: Q[]) => sq("andQuery", { queries });
const not = (query: Q) => sq("notQuery", { query });
const state = (s: UserState) => sq("stateQuery", { state: s });
const human = (u: User) => (u.type.case === "human" ? u.type.value : undefined);

/** Each text query: its oneof case, its value field, and the User field it searches (undefined = NULL). */
const TEXT: Record<string, [string, string, (u: User) => string | undefined]> = {
  userName: ["userNameQuery", "userName", (u) => u.username],
  loginName: ["loginNameQuery", "loginName", (u) => u.username],
  firstName: ["firstNameQuery", "firstName", (u) => human(u)?.profile?.givenName],
  lastName: ["lastNameQuery", "lastName", (u) => human(u)?.profile?.familyName],
  nickName: ["nickNameQuery", "nickName", (u) => human(u)?.profile?.nickName],
  displayName: ["displayNameQuery", "displayName", (u) => human(u)?.profile?.displayName],
  email: ["emailQuery", "emailAddress", (u) => human(u)?.email?.email],
  phone: ["phoneQuery", "number", (u) => human(u)?.phone?.phone || undefined],
};
const text = (field: string, value: string, method: M) => sq(TEXT[field][0], { [TEXT[field][1]]: value, method });

/** The oracle for one text method: odd methods ignore case; method >> 1 is equals/starts/contains/ends. */
function matches(value: string | undefined, search: string, method: M): boolean {
  if (value === undefined) return false;
  const [v, s] = method % 2 ? [value.toLowerCase(), search.toLowerCase()] : [value, search];
  return [v === s, v.startsWith(s), v.includes(s), v.endsWith(s)][method >> 1];
}

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "nova", "oscar", "papa", "quebec", "romeo", "sierra", "tango"];
const FAMILIES = ["Smith", "Goldsmith", "smithers"];
const WILD = ["a%c", "abc", "a_c", "axc", "a\\c", "A%D"];

describeOnDatabases("ListUsers on %s", { orgs: 0 }, (t) => {
  const { server, clients } = t;
  let orgA: string, orgB: string;
  let manager: { userId: string; token: string }, nobody: { userId: string; token: string };
  let deletedId: string;
  /** Every user of orgs A and B, as GetUserByID returns them, in creation order. */
  const model: User[] = [];

  const admin = async (method: string, req: object): Promise<any> => expectOk(await clients.call("connect-json", UserService, method as never, req as never, server.adminToken));
  async function addHuman(orgId: string, username: string, given: string, family: string, extra: { nick?: string; email: string; phone?: string; verified: boolean }) {
    const profile = { givenName: given, familyName: family, nickName: extra.nick, displayName: `${given}${family}` };
    const email = { email: extra.email, verification: { case: "isVerified", value: extra.verified } };
    const phone = extra.phone ? { phone: extra.phone, verification: { case: "isVerified", value: true } } : undefined;
    return (await admin("addHumanUser", { organization: { org: { case: "orgId", value: orgId } }, username, profile, email, phone })).userId as string;
  }

  beforeAll(async () => {
    [orgA, orgB] = [await newOrg(clients, server.adminToken), await newOrg(clients, server.adminToken)];
    const ids: string[] = [];
    for (const [i, w] of WORDS.entries()) {
      const W = w[0].toUpperCase() + w.slice(1);
      const email = i % 2 ? `${w}@Example.com` : `${w}@test.org`;
      const id = await addHuman(orgA, w, W, FAMILIES[i % 3], { nick: i % 2 ? undefined : `${w}y`, email, phone: i % 4 ? undefined : `+41795550${i}`, verified: i % 5 !== 3 });
      if (i % 5 === 1 || i === 8) await admin("lockUser", { userId: id });
      if (i % 5 === 2) await admin("deactivateUser", { userId: id });
      if (i === 4) deletedId = id;
      else ids.push(id);
    }
    await admin("deleteUser", { userId: deletedId });
    for (const [i, w] of WILD.entries()) ids.push(await addHuman(orgB, w, "Wild", "Card", { email: `wild${i}@example.com`, verified: true }));
    for (const [orgId, username] of [[orgA, "machine-one"], [orgB, "machine-two"]]) {
      ids.push((await admin("createUser", { organizationId: orgId, username, userType: { case: "machine", value: { name: "Robot" } } })).id);
    }
    manager = await newMachine(clients, server.adminToken, orgA, ["ORG_USER_MANAGER"]);
    // A user's first call of the day records its activity on its stream (a new sequence): done here, so
    // the model below already holds it when the tests call with the manager's token.
    expectOk(await clients.call("connect-json", UserService, "getUserByID", { userId: manager.userId }, manager.token));
    ids.push(manager.userId);
    nobody = await newMachine(clients, server.adminToken, await newOrg(clients, server.adminToken));
    for (const userId of ids) model.push((await admin("getUserByID", { userId })).user);
  });

  const inScope = (queries: Q[]) => [or(org(orgA), org(orgB)), ...queries];
  const names = (users: User[]) => users.map((u) => u.username).sort();

  describe.each(["grpc", "connect-json"] as const)("over %s", (protocol) => {
    const list = (req: object, token = server.adminToken) => clients.call(protocol, UserService, "listUsers", req as never, token);
    const found = async (queries: Q[]) => names(expectOk(await list({ query: { limit: 1000 }, queries: inScope(queries) })).result);
    const expected = (keep: (u: User) => boolean) => names(model.filter(keep));

    it("pages with offset, limit and asc, counting every match and echoing the processed position", async () => {
      const byCreation = [...model].sort((a, b) => Number(a.details!.creationDate!.seconds - b.details!.creationDate!.seconds) || a.details!.creationDate!.nanos - b.details!.creationDate!.nanos || (a.userId < b.userId ? -1 : 1));
      const seen: string[] = [];
      for (let offset = 0; offset < model.length + 7; offset += 7) {
        const page = expectOk(await list({ query: { offset: BigInt(offset), limit: 7, asc: true }, sortingColumn: F.CREATION_DATE, queries: inScope([]) }));
        expect(page.details?.totalResult).toBe(BigInt(model.length));
        expect(page.sortingColumn).toBe(F.CREATION_DATE);
        expect(page.result.length).toBe(Math.max(0, Math.min(7, model.length - offset)));
        seen.push(...page.result.map((u) => u.userId));
      }
      expect(seen).toEqual(byCreation.map((u) => u.userId));

      const newest = expectOk(await list({ query: { limit: 5 }, queries: inScope([]) }));
      expect(newest.result).toEqual(byCreation.slice(-5).reverse());
      const { max } = (await sql<{ max: number }>`select max(position) as max from events`.execute(server.app.database.db)).rows[0];
      expect(newest.details?.processedSequence).toBe(BigInt(max));
      expect(Math.abs(Number(newest.details!.timestamp!.seconds) - Date.now() / 1000)).toBeLessThan(30);

      expect(expectOk(await list({ query: { limit: 0 }, queries: inScope([]) })).result.length).toBe(model.length);
      expect(expectOk(await list({ query: { limit: 1000 } })).details?.totalResult).toBe(BigInt(model.length + 2)); // + bootstrap admin, nobody
      expect(await list({ query: { limit: 1001 } })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "LIST-limit-too-large" });
    });

    it("sorts by every column, both ways, nulls last and ties by id", async () => {
      const keys: Record<number, (u: User) => string | undefined> = {
        [F.USER_NAME]: (u) => u.username,
        [F.FIRST_NAME]: TEXT.firstName[2],
        [F.LAST_NAME]: TEXT.lastName[2],
        [F.NICK_NAME]: TEXT.nickName[2],
        [F.DISPLAY_NAME]: TEXT.displayName[2],
        [F.EMAIL]: TEXT.email[2],
        [F.STATE]: (u) => UserState[u.state].toLowerCase(),
        [F.TYPE]: (u) => u.type.case,
        [F.CREATION_DATE]: (u) => u.details!.creationDate!.seconds.toString().padStart(12, "0") + u.details!.creationDate!.nanos.toString().padStart(9, "0"),
      };
      keys[F.UNSPECIFIED] = keys[F.CREATION_DATE];
      const orgAUsers = model.filter((u) => u.details?.resourceOwner === orgA);
      for (const [column, key] of Object.entries(keys)) {
        for (const asc of [true, false]) {
          const dir = asc ? 1 : -1;
          const cmp = (a: string, b: string) => (a < b ? -dir : a > b ? dir : 0);
          const want = [...orgAUsers].sort((a, b) => {
            const [x, y] = [key(a), key(b)];
            if (x === undefined || y === undefined) return x === y ? cmp(a.userId, b.userId) : x === undefined ? 1 : -1;
            return cmp(x, y) || cmp(a.userId, b.userId);
          });
          const got = expectOk(await list({ query: { asc }, sortingColumn: Number(column), queries: [org(orgA)] }));
          expect(got.result.map((u) => u.username), `column ${F[Number(column)]} asc=${asc}`).toEqual(want.map((u) => u.username));
        }
      }
    });

    it("matches every text field with every text method", async () => {
      const probes: [string, string][] = [["userName", "al"], ["userName", "Alpha"], ["loginName", "o"], ["firstName", "Mike"], ["lastName", "smith"], ["lastName", "Smith"], ["nickName", "AY"], ["displayName", "smithers"], ["email", "example.COM"], ["email", "@test.org"], ["phone", "+41795550"], ["phone", "55508"]];
      for (const [field, value] of probes) {
        for (const method of Object.values(M).filter((m) => typeof m === "number")) {
          const want = expected((u) => matches(TEXT[field][2](u), value, method));
          expect(await found([text(field, value, method)]), `${field} ${M[method]} ${value}`).toEqual(want);
        }
      }
      // Spot checks that do not lean on the oracle.
      expect(await found([text("lastName", "smith", M.STARTS_WITH)])).toEqual(["charlie", "foxtrot", "india", "lima", "oscar", "romeo"]);
      expect(await found([text("email", "ALPHA@TEST.ORG", M.EQUALS_IGNORE_CASE)])).toEqual(["alpha"]);
      expect(await found([text("nickName", "ay", M.ENDS_WITH)])).toEqual(["alpha", "india", "sierra"]);
    });

    it("takes %, _ and \\ in a search literally", async () => {
      expect(await found([text("userName", "a%", M.STARTS_WITH)])).toEqual(["a%c"]);
      expect(await found([text("userName", "a%", M.STARTS_WITH_IGNORE_CASE)])).toEqual(["A%D", "a%c"]);
      expect(await found([text("userName", "_", M.CONTAINS)])).toEqual(["a_c"]);
      expect(await found([text("userName", "a_c", M.EQUALS_IGNORE_CASE)])).toEqual(["a_c"]);
      expect(await found([text("userName", "\\c", M.ENDS_WITH)])).toEqual(["a\\c"]);
      expect(await found([text("userName", "%", M.CONTAINS_IGNORE_CASE)])).toEqual(["A%D", "a%c"]);
    });

    it("filters by state, type, ids, emails and organization, nested in and/or/not", async () => {
      const is = (s: UserState) => (u: User) => u.state === s;
      for (const s of [UserState.ACTIVE, UserState.INACTIVE, UserState.LOCKED, UserState.INITIAL]) expect(await found([state(s)])).toEqual(expected(is(s)));
      expect(await found([state(UserState.LOCKED)])).toEqual(["bravo", "golf", "india", "lima", "quebec"]);
      expect(await found([state(UserState.DELETED)])).toEqual([]);
      expect(await found([sq("typeQuery", { type: Type.MACHINE })])).toEqual(["machine-one", "machine-two", model.at(-1)!.username].sort());
      expect(await found([sq("typeQuery", { type: Type.HUMAN })])).toEqual(expected((u) => u.type.case === "human"));
      const [x, y] = [model[0], model[7]];
      expect(await found([sq("inUserIdsQuery", { userIds: [x.userId, y.userId, deletedId, "nope"] })])).toEqual(names([x, y]));
      expect(await found([sq("inUserIdsQuery", { userIds: [] })])).toEqual([]);
      expect(await found([sq("inUserEmailsQuery", { userEmails: ["BRAVO@example.com", "alpha@test.org", "x@y.z"] })])).toEqual(["alpha", "bravo"]);
      expect(await found([org(orgB)])).toEqual(expected((u) => u.details?.resourceOwner === orgB));

      const smith = text("lastName", "Smith", M.EQUALS);
      expect(await found([smith, not(state(UserState.ACTIVE))])).toEqual(expected((u) => TEXT.lastName[2](u) === "Smith" && u.state !== UserState.ACTIVE));
      expect(await found([or(smith, and(org(orgB), text("userName", "a", M.STARTS_WITH)))])).toEqual(expected((u) => TEXT.lastName[2](u) === "Smith" || (u.details?.resourceOwner === orgB && u.username.startsWith("a"))));
      // NOT keeps users without the field: machines have no nick name.
      const nick = text("nickName", "y", M.ENDS_WITH);
      expect(await found([not(nick)])).toEqual(expected((u) => !TEXT.nickName[2](u)?.endsWith("y")));
      expect(await found([not(not(nick))])).toEqual(await found([nick]));
      expect(await found([and(), not(or())])).toEqual(names(model));
    });

    it("refuses malformed, too deep or too many queries", async () => {
      const refused = async (req: object, reason: string) => expect(await list(req)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason });
      await refused({ queries: [{}] }, "USER-query-invalid");
      await refused({ queries: [not({})] }, "USER-query-invalid");
      await refused({ queries: [state(UserState.UNSPECIFIED)] }, "USER-query-invalid");
      await refused({ queries: [sq("typeQuery", { type: Type.UNSPECIFIED })] }, "USER-query-invalid");
      await refused({ queries: [text("userName", "x", 99 as M)] }, "LIST-text-method-invalid");
      await refused({ queries: [text("userName", "x".repeat(201), M.EQUALS)] }, "LIST-text-too-long");
      await refused({ sortingColumn: 42 }, "USER-sorting-column-invalid");
      await refused({ queries: [sq("inUserIdsQuery", { userIds: Array.from({ length: 1001 }, (_, i) => `${i}`) })] }, "USER-query-invalid");
      await refused({ queries: Array.from({ length: 101 }, () => org(orgA)) }, "USER-query-invalid");
      const nest = (depth: number): Q => (depth === 1 ? text("userName", "alpha", M.EQUALS) : not(nest(depth - 1)));
      await refused({ queries: [nest(21)] }, "USER-query-invalid");
      expect(await found([nest(20)])).toEqual(expected((u) => u.username !== "alpha")); // 19 NOTs
      expect(expectOk(await list({ queries: Array.from({ length: 100 }, () => org(orgA)) })).details?.totalResult).toBeGreaterThan(0n);
    });

    it("lists only the organizations where the caller holds user.read", async () => {
      const mine = expectOk(await list({ query: { limit: 1000 } }, manager.token));
      expect(names(mine.result)).toEqual(expected((u) => u.details?.resourceOwner === orgA));
      expect(mine.details?.totalResult).toBe(BigInt(mine.result.length));
      expect(expectOk(await list({ queries: [org(orgB)] }, manager.token))).toMatchObject({ result: [], details: { totalResult: 0n } });
      // Without user.read anywhere a caller still sees itself, as on the platform.
      expect(expectOk(await list({}, nobody.token)).result.map((u) => u.userId)).toEqual([nobody.userId]);
      expect(await list({}, "")).toMatchObject({ ok: false, code: Code.Unauthenticated });
    });
  });

  it("answers POST /v2/users over REST", async () => {
    const body = { queries: [{ userNameQuery: { userName: "alpha", method: "TEXT_QUERY_METHOD_EQUALS" } }], sortingColumn: "USER_FIELD_NAME_USER_NAME" };
    const res = await rest(server.url, "POST", "/v2/users", { token: server.adminToken, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ details: { totalResult: "1" }, sortingColumn: "USER_FIELD_NAME_USER_NAME", result: [{ userId: model[0].userId, username: "alpha", human: { profile: { givenName: "Alpha" } } }] });
    // As on the platform, the identity fields are the User's; HumanUser carries no copy of them.
    for (const copy of ["userId", "state", "username", "loginNames", "preferredLoginName"]) expect(res.body.result[0].human).not.toHaveProperty(copy);
    const own = await rest(server.url, "POST", "/v2/users", { token: nobody.token, body });
    expect(own.status).toBe(200);
    expect(own.body.result ?? []).toEqual([]);
  });

  it("sends a large page uncompressed even to a client that accepts gzip, as the platform does", async () => {
    const res = await fetch(`${server.url}/zitadel.user.v2.UserService/ListUsers`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "gzip", authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({}),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect((await res.text()).length).toBeGreaterThan(1024);
  });
});

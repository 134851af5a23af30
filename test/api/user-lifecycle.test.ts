import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { expectOk, rpcProtocols } from "../harness/clients.js";
import { newHuman, newMachine, newOrg } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

describeOnDatabases("v2 user lifecycle on %s", (t) => {
  const { server, clients } = t;

  describe.each(rpcProtocols)("over %s", (protocol) => {
    const call = <M extends keyof typeof UserService.method & string>(method: M, userId: string, token = server.adminToken) =>
      clients.call(protocol, UserService, method, { userId } as never, token);

    it("moves a user through lock, unlock, deactivate, reactivate and delete, refusing every repeat", async () => {
      const userId = await newHuman(clients, server.adminToken, t.orgId);

      const locked = expectOk(await call("lockUser", userId));
      expect(locked.details?.sequence).toBe(2n);
      expect(locked.details?.resourceOwner).toBe(t.orgId);
      expect(await call("lockUser", userId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-already-locked" });

      const got = expectOk(await call("getUserByID", userId));
      expect(got.user?.state).toBe(UserState.LOCKED);
      expect(got.details?.sequence).toBe(2n);
      expect(got.details?.changeDate).toEqual(locked.details?.changeDate);

      expect(expectOk(await call("unlockUser", userId)).details?.sequence).toBe(3n);
      expect(await call("unlockUser", userId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-not-locked" });

      expect(expectOk(await call("deactivateUser", userId)).details?.sequence).toBe(4n);
      expect(await call("deactivateUser", userId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-already-inactive" });
      expect(await call("lockUser", userId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-inactive" });
      expect(expectOk(await call("getUserByID", userId)).user?.state).toBe(UserState.INACTIVE);

      expect(expectOk(await call("reactivateUser", userId)).details?.sequence).toBe(5n);
      expect(await call("reactivateUser", userId)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-not-inactive" });
      expect(expectOk(await call("getUserByID", userId)).user?.state).toBe(UserState.ACTIVE);

      expect(expectOk(await call("deleteUser", userId)).details?.sequence).toBe(6n);
      expect(await call("getUserByID", userId)).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
      expect(await call("lockUser", userId)).toMatchObject({ ok: false, code: Code.NotFound });
    });

    it("deactivates a locked user and refuses to deactivate an initial one", async () => {
      const userId = await newHuman(clients, server.adminToken, t.orgId);
      expectOk(await call("lockUser", userId));
      expectOk(await call("deactivateUser", userId));
      expect(expectOk(await call("getUserByID", userId)).user?.state).toBe(UserState.INACTIVE);

      const initial = await newHuman(clients, server.adminToken, t.orgId, false);
      expect(expectOk(await call("getUserByID", initial)).user?.state).toBe(UserState.INITIAL);
      expect(await call("deactivateUser", initial)).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "USER-initial" });
      expectOk(await call("lockUser", initial));
      expectOk(await call("unlockUser", initial));
      expect(expectOk(await call("getUserByID", initial)).user?.state).toBe(UserState.ACTIVE);
    });

    it("answers NotFound for unknown users and InvalidArgument for empty or oversized ids", async () => {
      expect(await call("deactivateUser", "123456789")).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
      expect(await call("deactivateUser", "")).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-id-missing" });
      expect(await call("deactivateUser", "x".repeat(201))).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "USER-id-too-long" });
    });

    it("refuses callers without a valid token or without user.write", async () => {
      const userId = await newHuman(clients, server.adminToken, t.orgId);
      expect(await call("lockUser", userId, "")).toMatchObject({ ok: false, code: Code.Unauthenticated });
      expect(await call("lockUser", userId, "not-a-token")).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH-no-valid-token" });
      const nobody = await newMachine(clients, server.adminToken, t.orgId);
      // Without a role the caller cannot see the organization's users: refused like an unknown user.
      expect(await call("lockUser", userId, nobody.token)).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
      const manager = await newMachine(clients, server.adminToken, t.orgId, ["ORG_USER_MANAGER"]);
      expectOk(await call("lockUser", userId, manager.token));
      const otherOrg = await newOrg(clients, server.adminToken);
      const foreign = await newMachine(clients, server.adminToken, otherOrg, ["ORG_OWNER"]);
      expect(await call("unlockUser", userId, foreign.token)).toMatchObject({ ok: false, code: Code.NotFound, reason: "USER-not-found" });
      expect(expectOk(await call("getUserByID", userId)).user?.state).toBe(UserState.LOCKED);
    });
  });
});

import { getOption } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { beforeAll, expect, it } from "vitest";
import { options } from "../../gen/lifecycle/auth/v1/options_pb.js";
import { services } from "../../src/api/routes.js";
import { newHuman, newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

// Walks every method of every registered service, so a new RPC is covered without anyone remembering.
const PUBLIC = new Set(["grpc.health.v1.Health"]);
const methods = services
  .filter((s) => !PUBLIC.has(s.typeName))
  .flatMap((service) => service.methods.filter((m) => m.methodKind === "unary" || m.methodKind === "server_streaming").map((method) => ({ service, method, name: `${service.typeName}/${method.name}` })));

describeOnDatabases("security sweep over every registered method", { kinds: ["pglite"], orgs: 2 }, (t) => {
  const { server, clients } = t;
  let nobody: { token: string };
  let stranger: string;

  beforeAll(async () => {
    // A valid principal holding no role at all.
    nobody = await newMachine(clients, server.adminToken, t.orgIds[0]);
    stranger = await newHuman(clients, server.adminToken, t.orgIds[1]);
  });

  it("every method declares a permission", () => {
    for (const { method, name } of methods) expect(getOption(method, options)?.authOption?.permission, name).toBeTruthy();
  });

  it.each(methods)("$name: no token → Unauthenticated; a principal without the permission → refused", async ({ service, method }) => {
    const auth = getOption(method, options)?.authOption;
    // Self-service methods let anyone in; aimed at another organization's user they must answer NotFound.
    const targetsUser = method.input.fields.some((f) => f.name === "user_id");
    const request = auth?.allowSelf && targetsUser ? { userId: stranger } : {};
    const call = (token?: string) =>
      method.methodKind === "server_streaming"
        ? firstOfStream(server.url, service, method, request, token)
        : clients.call("connect-proto", service as never, method.localName as never, request as never, token);
    expect(await call()).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(await call("forged-token")).toMatchObject({ ok: false, code: Code.Unauthenticated });
    if (auth?.permission === "authenticated") return;
    const expected = !auth?.allowSelf ? Code.PermissionDenied : targetsUser ? Code.NotFound : undefined;
    if (expected === undefined) {
      // A self-service list: it answers, but with nothing but the caller itself (checked in cross-org.test.ts).
      expect(await call(nobody.token)).toMatchObject({ ok: true });
      return;
    }
    const refused = await call(nobody.token);
    // A request invalid on its face (no new password, no medium) is refused before anything is loaded.
    const invalidOnItsFace = !refused.ok && (refused.code === Code.InvalidArgument || refused.code === Code.FailedPrecondition) && refused.reason !== undefined;
    if (auth?.allowSelf && invalidOnItsFace) return;
    expect(refused).toMatchObject({ ok: false, code: expected });
  });
});

/** A server stream's outcome as far as its first message: refused streams fail before sending any. */
async function firstOfStream(baseUrl: string, service: DescService, method: DescMethod, request: object, token?: string) {
  const client = createClient(service, createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true })) as any;
  const controller = new AbortController();
  try {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    for await (const _ of client[method.localName](request, { headers, signal: controller.signal })) break;
    return { ok: true as const };
  } catch (error) {
    const e = ConnectError.from(error);
    return { ok: false as const, code: e.code, reason: undefined as string | undefined };
  } finally {
    controller.abort();
  }
}

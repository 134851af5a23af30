import { getOption } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { options } from "../../gen/zitadel/protoc_gen_zitadel/v2/options_pb.js";
import { services } from "../../src/api/routes.js";
import { Clients } from "../harness/clients.js";
import { newMachine, newOrg } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// Walks every method of every registered service, so a new RPC is covered without anyone remembering.
const PUBLIC = new Set(["grpc.health.v1.Health"]);
const methods = services
  .filter((s) => !PUBLIC.has(s.typeName))
  .flatMap((service) => service.methods.filter((m) => m.methodKind === "unary").map((method) => ({ service, method, name: `${service.typeName}/${method.name}` })));

describe("security sweep over every registered method", () => {
  let server: TestServer;
  let clients: Clients;
  let nobody: { token: string };

  beforeAll(async () => {
    server = await startTestServer("pglite");
    clients = new Clients(server.url);
    // A valid principal holding no role at all.
    nobody = await newMachine(clients, server.adminToken, await newOrg(clients, server.adminToken));
  });
  afterAll(async () => {
    clients?.close();
    await server?.stop();
  });

  it("every method declares a permission", () => {
    for (const { method, name } of methods) expect(getOption(method, options)?.authOption?.permission, name).toBeTruthy();
  });

  it.each(methods)("$name: no token → Unauthenticated; a principal without the permission → PermissionDenied", async ({ service, method }) => {
    const call = (token?: string) => clients.call("connect-proto", service as never, method.localName as never, {} as never, token);
    expect(await call()).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(await call("forged-token")).toMatchObject({ ok: false, code: Code.Unauthenticated });
    if (getOption(method, options)?.authOption?.permission !== "authenticated") {
      expect(await call(nobody.token)).toMatchObject({ ok: false, code: Code.PermissionDenied });
    }
  });
});

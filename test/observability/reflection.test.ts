import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { create, createFileRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { expect, it } from "vitest";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { services } from "../../src/api/routes.js";
import { describeOnDatabases } from "../harness/on-databases.js";

const buf = resolve("node_modules/.bin/buf");
const run = promisify(execFile);

type Version = typeof v1 | typeof v1alpha;

/** One bidi stream over grpc-js: sends each request, collects one response per request. */
async function reflect(url: string, version: Version, requests: Array<Record<string, unknown>>) {
  const typeName = version.ServerReflection.typeName;
  const Ctor = grpc.makeGenericClientConstructor(
    {
      info: {
        path: `/${typeName}/ServerReflectionInfo`,
        requestStream: true,
        responseStream: true,
        requestSerialize: (m: any) => Buffer.from(toBinary(version.ServerReflectionRequestSchema as any, create(version.ServerReflectionRequestSchema as any, m))),
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (m: any) => m,
        responseDeserialize: (b: Buffer) => fromBinary(version.ServerReflectionResponseSchema as any, b) as any,
      },
    } as grpc.ServiceDefinition,
    "Reflection",
  );
  const client = new Ctor(new URL(url).host, grpc.credentials.createInsecure());
  try {
    const call = (client as any).info({ deadline: Date.now() + 30_000 }) as grpc.ClientDuplexStream<unknown, any>;
    const responses: any[] = [];
    const done = new Promise<void>((ok, fail) => {
      call.on("data", (r) => responses.push(r));
      call.on("end", ok);
      call.on("error", fail);
    });
    for (const r of requests) call.write(r);
    call.end();
    await done;
    return responses;
  } finally {
    client.close();
  }
}

const files = (r: any): string[] => r.messageResponse.value.fileDescriptorProto.map((b: Uint8Array) => fromBinary(FileDescriptorProtoSchema, b).name);

// Reflection reads descriptors only; no database is involved, so PGlite alone.
describeOnDatabases("server reflection", { kinds: ["pglite"], orgs: 0 }, ({ server }) => {

  it("buf curl lists the services and calls a method with no local protos", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "zl-reflect-"));
    const listed = await run(buf, ["curl", "--reflect", "--list-services", "--protocol", "grpc", "--http2-prior-knowledge", server.url], { cwd, timeout: 60_000 });
    expect(listed.stdout.trim().split("\n").sort()).toEqual(services.map((s) => s.typeName).sort());
    const called = await run(
      buf,
      ["curl", "--reflect", "--protocol", "grpc", "--http2-prior-knowledge", "-H", `Authorization: Bearer ${server.adminToken}`, "-d", "{}", `${server.url}/zitadel.management.v1.ManagementService/GetMyOrg`],
      { cwd, timeout: 60_000 },
    );
    expect(JSON.parse(called.stdout).org.name).toBe("ZITADEL");
  });

  it.each([["v1", v1], ["v1alpha", v1alpha]] as const)("answers every kind of request over grpc.reflection.%s", async (_, version) => {
    const [list, bySymbol, byMethod, byFile, byExtension, numbers, unknown, badFile] = await reflect(server.url, version, [
      { host: "h", messageRequest: { case: "listServices", value: "" } },
      { messageRequest: { case: "fileContainingSymbol", value: "zitadel.user.v2.UserService" } },
      { messageRequest: { case: "fileContainingSymbol", value: "zitadel.user.v2.UserService.LockUser" } },
      { messageRequest: { case: "fileByFilename", value: "zitadel/user/v2/user_service.proto" } },
      { messageRequest: { case: "fileContainingExtension", value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 } } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" } },
      { messageRequest: { case: "fileContainingSymbol", value: "no.such.Thing" } },
      { messageRequest: { case: "fileByFilename", value: "nope.proto" } },
    ]);
    expect(list.validHost).toBe("h");
    expect(list.messageResponse.value.service.map((s: any) => s.name)).toContain("zitadel.user.v2.UserService");
    expect(list.originalRequest.messageRequest.case).toBe("listServices");
    expect(files(bySymbol)[0]).toBe("zitadel/user/v2/user_service.proto");
    expect(files(byMethod)[0]).toBe("zitadel/user/v2/user_service.proto");
    // Transitive dependencies come along: the set alone rebuilds the service with its HTTP options.
    expect(files(byFile)).toEqual(expect.arrayContaining(["zitadel/user/v2/user_service.proto", "zitadel/user/v2/user.proto", "google/api/annotations.proto", "google/api/http.proto", "google/protobuf/descriptor.proto"]));
    const protos = byFile.messageResponse.value.fileDescriptorProto.map((b: Uint8Array) => fromBinary(FileDescriptorProtoSchema, b));
    const ordered: typeof protos = [];
    const visit = (p: (typeof protos)[number]) => {
      if (ordered.includes(p)) return;
      p.dependency.forEach((d: string) => visit(protos.find((q: { name: string }) => q.name === d)));
      ordered.push(p);
    };
    protos.forEach(visit);
    const rebuilt = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
    expect(rebuilt.getService("zitadel.user.v2.UserService")?.methods.length).toBeGreaterThan(5);
    expect(files(byExtension)[0]).toBe("google/api/annotations.proto");
    expect(numbers.messageResponse.value).toMatchObject({ baseTypeName: "google.protobuf.MethodOptions" });
    expect(numbers.messageResponse.value.extensionNumber).toContain(72295728);
    for (const error of [unknown, badFile]) expect(error.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: grpc.status.NOT_FOUND } });
  });
});

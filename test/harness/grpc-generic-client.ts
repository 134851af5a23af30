import * as grpc from "@grpc/grpc-js";
import { type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";

/**
 * A grpc-js client for a generated service, with the protobuf-es schemas as serializers (grpc-js has no
 * code generation of its own here). Methods are keyed by their local name, e.g. `lockUser`.
 */
export function grpcGenericClient(service: DescService, baseUrl: string): grpc.Client & Record<string, any> {
  const definition = Object.fromEntries(
    service.methods.map((m) => [
      m.localName,
      {
        path: `/${service.typeName}/${m.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (msg: any) => Buffer.from(toBinary(m.input, msg)),
        requestDeserialize: (buf: Buffer) => fromBinary(m.input, buf),
        responseSerialize: (msg: any) => Buffer.from(toBinary(m.output, msg)),
        responseDeserialize: (buf: Buffer) => fromBinary(m.output, buf),
      },
    ]),
  );
  const Ctor = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, service.name);
  return new Ctor(new URL(baseUrl).host, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
}

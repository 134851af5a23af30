import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ServerReflection as ReflectionV1 } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import type { ServerReflection as ReflectionV1alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { descriptorIndex, type ReflectionQuery } from "./descriptors.js";

interface Request {
  host: string;
  messageRequest: ReflectionQuery;
}

/**
 * grpc.reflection v1 and v1alpha (grpcurl still asks v1alpha first): the same answers from the generated
 * descriptors, one response per request on the bidi stream.
 */
export function reflectionServices(services: DescService[]) {
  const answer = descriptorIndex(services);
  async function* serverReflectionInfo(requests: AsyncIterable<Request>) {
    for await (const request of requests) {
      yield { validHost: request.host, originalRequest: request, messageResponse: answer(request.messageRequest) };
    }
  }
  return {
    v1: { serverReflectionInfo } as unknown as ServiceImpl<typeof ReflectionV1>,
    v1alpha: { serverReflectionInfo } as unknown as ServiceImpl<typeof ReflectionV1alpha>,
  };
}

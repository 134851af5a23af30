import { Code, type ConnectError } from "@connectrpc/connect";
import { create, toBinary, toJson, type JsonObject, type JsonValue, type Registry } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { AnySchema } from "@bufbuild/protobuf/wkt";

/** HTTP status for a gRPC/Connect code, as grpc-gateway maps it (docs/contract.md §1). */
export function connectCodeToHttpStatus(code: Code): number {
  switch (code) {
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
      return 400;
    case Code.Unauthenticated:
      return 401;
    case Code.PermissionDenied:
      return 403;
    case Code.NotFound:
      return 404;
    case Code.AlreadyExists:
    case Code.Aborted:
      return 409;
    case Code.ResourceExhausted:
      return 429;
    case Code.Canceled:
      return 499;
    case Code.Unimplemented:
      return 501;
    case Code.Unavailable:
      return 503;
    case Code.DeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

export interface RestErrorBody extends JsonObject {
  code: number;
  message: string;
  details: JsonValue[];
}

const typeUrlPrefix = "type.googleapis.com/";

/** Renders one error detail as google.protobuf.Any JSON: {"@type": ..., ...fields}. */
function detailJson(detail: ConnectError["details"][number], registry: Registry): JsonValue {
  const typeName = "type" in detail ? detail.type : detail.desc.typeName;
  const value = "type" in detail ? detail.value : toBinary(detail.desc, create(detail.desc, detail.value));
  const any = create(AnySchema, { typeUrl: typeUrlPrefix + typeName, value });
  try {
    return toJson(AnySchema, any, { registry });
  } catch {
    // type not in the registry: still expose the detail rather than dropping it
    return { "@type": any.typeUrl, value: base64Encode(value) };
  }
}

/** The REST error body {"code": <numeric gRPC code>, "message": <raw message>, "details": [Any JSON…]}. */
export function restErrorBody(err: ConnectError, registry: Registry): RestErrorBody {
  return {
    code: err.code,
    message: err.rawMessage,
    details: err.details.map((d) => detailJson(d, registry)),
  };
}

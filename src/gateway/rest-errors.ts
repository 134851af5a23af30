import { Code, type ConnectError } from "@connectrpc/connect";
import { create, toBinary, toJson, type JsonObject, type JsonValue, type Registry } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { httpStatusOf } from "../http/status.js";

/** HTTP status for a gRPC/Connect code, as grpc-gateway maps it (docs/contract.md §1). */
export const connectCodeToHttpStatus = (code: Code): number => httpStatusOf(code, "rest");

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

import { BinaryReader } from "@bufbuild/protobuf/wire";

export interface DecodedStatus {
  code: number;
  message: string;
  details: { typeUrl: string; value: Uint8Array<ArrayBufferLike> }[];
}

/** Decodes google.rpc.Status from `grpc-status-details-bin` (1 code, 2 message, 3 repeated Any). */
export function decodeStatus(bytes: Uint8Array): DecodedStatus {
  const status: DecodedStatus = { code: 0, message: "", details: [] };
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) status.code = reader.int32();
    else if (field === 2) status.message = reader.string();
    else if (field === 3) {
      const any = new BinaryReader(reader.bytes());
      const detail: { typeUrl: string; value: Uint8Array<ArrayBufferLike> } = { typeUrl: "", value: new Uint8Array() };
      while (any.pos < any.len) {
        const [f, w] = any.tag();
        if (f === 1) detail.typeUrl = any.string();
        else if (f === 2) detail.value = any.bytes();
        else any.skip(w);
      }
      status.details.push(detail);
    } else reader.skip(wireType);
  }
  return status;
}

import { createRegistry, type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** What a reflection request asks, the same in grpc.reflection.v1 and v1alpha. */
export type ReflectionQuery =
  | { case: "fileByFilename"; value: string }
  | { case: "fileContainingSymbol"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: "allExtensionNumbersOfType"; value: string }
  | { case: "listServices"; value: string }
  | { case: undefined; value?: undefined };

/** The answer, shaped like the oneof of ServerReflectionResponse (both versions). */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

const NOT_FOUND = 5;
const INVALID_ARGUMENT = 3;

/** Answers reflection queries from the generated descriptors of the services this server registers. */
export function descriptorIndex(services: DescService[]) {
  const files = new Map<string, DescFile>();
  const add = (file: DescFile) => {
    if (files.has(file.name)) return;
    files.set(file.name, file);
    file.dependencies.forEach(add);
  };
  for (const service of services) add(service.file);
  const registry = createRegistry(...files.values());
  const fileNames = (file: DescFile) => `${file.name}.proto`;
  const encoded = new Map<string, Uint8Array>();
  const encode = (file: DescFile) => {
    let bytes = encoded.get(file.name);
    if (!bytes) encoded.set(file.name, (bytes = toBinary(FileDescriptorProtoSchema, file.proto)));
    return bytes;
  };

  // The file first, then everything it imports, transitively: a client needs no other round trip.
  const withDependencies = (file: DescFile): ReflectionAnswer => {
    const out: DescFile[] = [];
    const visit = (f: DescFile) => {
      if (out.includes(f)) return;
      out.push(f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out.map(encode) } };
  };
  const error = (errorCode: number, errorMessage: string): ReflectionAnswer => ({ case: "errorResponse", value: { errorCode, errorMessage } });

  const fileOfSymbol = (symbol: string): DescFile | undefined => {
    const desc = registry.get(symbol);
    if (desc) return desc.file;
    // A method (pkg.Service.Method) or a field / enum value (pkg.Message.field) names its parent.
    const parent = registry.get(symbol.slice(0, Math.max(0, symbol.lastIndexOf("."))));
    if (parent?.kind === "service") return parent.methods.some((m) => `${parent.typeName}.${m.name}` === symbol) ? parent.file : undefined;
    if (parent?.kind === "message") return parent.fields.some((f) => `${parent.typeName}.${f.name}` === symbol) ? parent.file : undefined;
    if (parent?.kind === "enum") return parent.file;
    return undefined;
  };

  return (query: ReflectionQuery): ReflectionAnswer => {
    switch (query.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: services.map((s) => ({ name: s.typeName })) } };
      case "fileByFilename": {
        const file = [...files.values()].find((f) => fileNames(f) === query.value);
        return file ? withDependencies(file) : error(NOT_FOUND, `file not found: ${query.value}`);
      }
      case "fileContainingSymbol": {
        const file = fileOfSymbol(query.value);
        return file ? withDependencies(file) : error(NOT_FOUND, `symbol not found: ${query.value}`);
      }
      case "fileContainingExtension": {
        const extendee = registry.getMessage(query.value.containingType);
        const extension = extendee && registry.getExtensionFor(extendee, query.value.extensionNumber);
        return extension ? withDependencies(extension.file) : error(NOT_FOUND, `extension not found: ${query.value.containingType}(${query.value.extensionNumber})`);
      }
      case "allExtensionNumbersOfType": {
        const extendee = registry.getMessage(query.value);
        if (!extendee) return error(NOT_FOUND, `type not found: ${query.value}`);
        const numbers: number[] = [];
        for (const desc of registry) if (desc.kind === "extension" && desc.extendee.typeName === extendee.typeName) numbers.push(desc.number);
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: extendee.typeName, extensionNumber: numbers.sort((a, b) => a - b) } };
      }
      default:
        return error(INVALID_ARGUMENT, "empty reflection request");
    }
  };
}

import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";

/** A JSON Schema (OpenAPI 3.1 dialect) node. */
export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const int64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const unsigned = new Set([ScalarType.UINT32, ScalarType.FIXED32, ScalarType.UINT64, ScalarType.FIXED64]);

/** proto3 JSON of a scalar: 64-bit integers are decimal strings, bytes base64. */
export function scalarSchema(type: ScalarType): Schema {
  if (int64.has(type)) return { type: "string", format: unsigned.has(type) ? "uint64" : "int64", pattern: unsigned.has(type) ? "^[0-9]+$" : "^-?[0-9]+$" };
  switch (type) {
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number", format: type === ScalarType.FLOAT ? "float" : "double" };
    default:
      return { type: "integer", format: unsigned.has(type) ? "uint32" : "int32" };
  }
}

// Well-known types have their own JSON forms (https://protobuf.dev/programming-guides/json/).
const wrappers: Record<string, ScalarType> = {
  DoubleValue: ScalarType.DOUBLE, FloatValue: ScalarType.FLOAT, Int64Value: ScalarType.INT64, UInt64Value: ScalarType.UINT64,
  Int32Value: ScalarType.INT32, UInt32Value: ScalarType.UINT32, BoolValue: ScalarType.BOOL, StringValue: ScalarType.STRING, BytesValue: ScalarType.BYTES,
};
const wellKnown: Record<string, Schema> = {
  Timestamp: { type: "string", format: "date-time", description: "RFC 3339, e.g. 2026-11-30T17:35:00Z" },
  Duration: { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", description: "seconds with an `s` suffix, e.g. 1.5s" },
  Struct: { type: "object", additionalProperties: true },
  Value: { description: "any JSON value" },
  ListValue: { type: "array", items: {} },
  NullValue: { type: "null" },
  Empty: { type: "object", additionalProperties: false },
  FieldMask: { type: "string", description: "comma-separated lowerCamel field paths" },
  Any: { type: "object", required: ["@type"], properties: { "@type": { type: "string" } }, additionalProperties: true },
};

export function wellKnownSchema(message: DescMessage): Schema | undefined {
  if (!message.typeName.startsWith("google.protobuf.")) return undefined;
  const name = message.name;
  if (name in wrappers) return { ...scalarSchema(wrappers[name]), description: `google.protobuf.${name}` };
  return wellKnown[name];
}

export function enumSchema(e: DescEnum): Schema {
  return { type: "string", enum: e.values.map((v) => v.name), description: `${e.typeName}; the numeric value is accepted too` };
}

/** Collects the component schemas of a message and everything it references, by full type name. */
export class SchemaSet {
  readonly schemas: Record<string, Schema> = {};

  /** A reference to the message's schema (or the inline form of a well-known type). */
  message(message: DescMessage): Schema {
    const known = wellKnownSchema(message);
    if (known) return known;
    if (!(message.typeName in this.schemas)) {
      this.schemas[message.typeName] = {}; // placeholder first: messages may be recursive
      this.schemas[message.typeName] = this.build(message);
    }
    return ref(message.typeName);
  }

  enum(e: DescEnum): Schema {
    if (e.typeName === "google.protobuf.NullValue") return { type: "null" };
    this.schemas[e.typeName] ??= enumSchema(e);
    return ref(e.typeName);
  }

  field(field: DescField): Schema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enum(field.enum);
      case "message":
        return this.message(field.message);
      case "list":
        return { type: "array", items: field.listKind === "scalar" ? scalarSchema(field.scalar) : field.listKind === "enum" ? this.enum(field.enum) : this.message(field.message) };
      case "map":
        return { type: "object", additionalProperties: field.mapKind === "scalar" ? scalarSchema(field.scalar) : field.mapKind === "enum" ? this.enum(field.enum) : this.message(field.message) };
    }
  }

  private build(message: DescMessage): Schema {
    const properties: Record<string, Schema> = {};
    for (const field of message.fields) {
      const schema = this.field(field);
      const oneof = field.oneof; // proto3 `optional` fields have none here (synthetic oneofs are hidden)
      properties[field.jsonName] = oneof
        ? { ...schema, description: `one of ${oneof.fields.map((f) => `\`${f.jsonName}\``).join(", ")} (oneof \`${oneof.name}\`): set at most one` }
        : schema;
    }
    // no additionalProperties: false — the gateway also accepts the proto field names
    const out: Schema = { type: "object", title: message.typeName, properties };
    // A oneof is a choice of at most one member: exactly one present, or none.
    const choices = message.oneofs.map((oneof) => {
      const each = oneof.fields.map((f) => ({ required: [f.jsonName] }));
      return { oneOf: [...each, { not: { anyOf: each } }] };
    });
    if (choices.length > 0) out.allOf = choices;
    return out;
  }
}

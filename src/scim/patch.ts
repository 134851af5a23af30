import { invalidPath, invalidSyntax, invalidValue, mutability, ScimError } from "./errors.js";
import { type Filter, matchesElement, normalizeAttr, parseFilter } from "./filter.js";
import { field } from "./input.js";

export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const MAX_PATCH_OPERATIONS = 100;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The User attributes a PATCH may address: their name in the resource and their sub-attributes. */
const ATTRS: Record<string, { key: string; kind: "simple" | "complex" | "multi" | "readOnly"; subs?: string[] }> = {
  id: { key: "id", kind: "readOnly" },
  meta: { key: "meta", kind: "readOnly" },
  schemas: { key: "schemas", kind: "readOnly" },
  username: { key: "userName", kind: "simple" },
  externalid: { key: "externalId", kind: "simple" },
  name: { key: "name", kind: "complex", subs: ["formatted", "givenName", "familyName"] },
  displayname: { key: "displayName", kind: "simple" },
  nickname: { key: "nickName", kind: "simple" },
  preferredlanguage: { key: "preferredLanguage", kind: "simple" },
  active: { key: "active", kind: "simple" },
  password: { key: "password", kind: "simple" },
  emails: { key: "emails", kind: "multi", subs: ["value", "type", "primary", "display"] },
  phonenumbers: { key: "phoneNumbers", kind: "multi", subs: ["value", "type", "primary", "display"] },
};

type Path = { attr: (typeof ATTRS)[string]; filter?: Filter; sub?: string } | "ignored";

const PATH = /^([A-Za-z][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z][\w$-]*))?$/s;

function parsePath(raw: unknown): Path {
  if (typeof raw !== "string" || raw.trim() === "") throw invalidPath("path must be a non-empty string");
  const path = normalizeAttr(raw.trim());
  // Another schema's attribute (e.g. the enterprise extension): not declared here, so ignored like in a body.
  if (path.startsWith("urn:")) return "ignored";
  const match = PATH.exec(path);
  if (!match) throw invalidPath(`Invalid path "${raw}"`);
  const [, name, filterText, subName] = match;
  const attr = ATTRS[name];
  if (!attr) return "ignored";
  const sub = subName === undefined ? undefined : attr.subs?.find((s) => s.toLowerCase() === subName);
  if (subName !== undefined && !sub) throw invalidPath(`"${name}" has no sub-attribute "${subName}"`);
  if (filterText !== undefined && attr.kind !== "multi") throw invalidPath(`"${name}" is not multi-valued`);
  return { attr, filter: filterText === undefined ? undefined : parseFilter(filterText), sub };
}

/** A new element for `emails[type eq "work"]` when none matches: the filter's equalities are its attributes. */
function elementFrom(filter: Filter | undefined): Json {
  if (!filter) return {};
  if (filter.kind === "compare" && filter.op === "eq") return { [filter.attr]: filter.value };
  if (filter.kind === "and") return { ...elementFrom(filter.left), ...elementFrom(filter.right) };
  return {};
}

function applyOne(doc: Json, op: "add" | "replace" | "remove", path: Path, value: unknown): void {
  if (path === "ignored") return;
  const { attr, filter, sub } = path;
  if (attr.kind === "readOnly") throw mutability(`${attr.key} is read-only`);
  if (attr.key === "name" && sub === "formatted") return; // computed from the given and family names
  if (op !== "remove" && value === undefined) throw invalidValue(`${op} needs a value`);

  if (attr.kind === "simple") {
    if (sub) throw invalidPath(`"${attr.key}" has no sub-attributes`);
    if (op === "remove") delete doc[attr.key];
    else doc[attr.key] = value;
    return;
  }
  if (attr.kind === "complex") {
    const current = isObject(doc[attr.key]) ? (doc[attr.key] as Json) : {};
    if (sub) {
      if (op === "remove") delete current[sub];
      else current[sub] = value;
      doc[attr.key] = current;
    } else if (op === "remove") delete doc[attr.key];
    else {
      if (!isObject(value)) throw invalidValue(`${attr.key} takes an object`);
      doc[attr.key] = { ...current, ...value };
    }
    return;
  }
  // Multi-valued: emails, phoneNumbers.
  const list = Array.isArray(doc[attr.key]) ? (doc[attr.key] as Json[]) : [];
  const selected = (el: Json) => !filter || matchesElement(filter, el);
  if (op === "remove") {
    if (!filter && !sub) delete doc[attr.key];
    else if (sub) for (const el of list.filter(selected)) delete el[sub];
    else doc[attr.key] = list.filter((el) => !selected(el));
    return;
  }
  if (!filter && !sub) {
    const values = Array.isArray(value) ? value : [value];
    if (!values.every(isObject)) throw invalidValue(`${attr.key} takes objects`);
    doc[attr.key] = op === "add" ? [...list, ...values] : values;
    return;
  }
  let targets = list.filter(selected);
  if (targets.length === 0) {
    const fresh = elementFrom(filter);
    list.push(fresh);
    targets = [fresh];
  }
  for (const el of targets) {
    if (sub) el[sub] = value;
    else if (isObject(value)) Object.assign(el, value);
    else throw invalidValue(`${attr.key} takes an object`);
  }
  doc[attr.key] = list;
}

/** Applies an RFC 7644 §3.5.2 PatchOp body to a copy of the resource; the result is read like a PUT body. */
export function applyPatch(resource: Json, body: unknown): Json {
  if (!isObject(body)) throw invalidSyntax("A PatchOp must be a JSON object");
  const operations = field(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax("Operations must be a non-empty array");
  if (operations.length > MAX_PATCH_OPERATIONS) throw new ScimError(400, "tooMany", `At most ${MAX_PATCH_OPERATIONS} operations per PATCH`);
  const doc = structuredClone(resource);
  for (const raw of operations) {
    if (!isObject(raw)) throw invalidSyntax("Each operation must be an object");
    const opText = field(raw, "op");
    // Entra ID capitalizes the op ("Replace").
    const op = typeof opText === "string" ? opText.toLowerCase() : undefined;
    if (op !== "add" && op !== "replace" && op !== "remove") throw invalidSyntax(`Unknown op ${JSON.stringify(opText)}`);
    const pathText = field(raw, "path");
    const value = field(raw, "value");
    if (pathText !== undefined && pathText !== null) {
      applyOne(doc, op, parsePath(pathText), value);
      continue;
    }
    if (op === "remove") throw invalidPath("remove needs a path");
    if (!isObject(value)) throw invalidValue(`${op} without a path takes an object`);
    // Each key is itself a path: Okta sends {"active": false}, Entra ID sometimes {"name.givenName": "…"}.
    for (const [key, v] of Object.entries(value)) applyOne(doc, op, parsePath(key), v);
  }
  return doc;
}

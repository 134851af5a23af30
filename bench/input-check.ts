// `npx tsx bench/input-check.ts`: the CPU the one input check adds per request, against the NUL scan it
// replaced, on a typical command message (AddHumanUser) and a 100-user page request; and the strict UTF-8
// decode of a JSON body against the lenient one it replaced; and the second decode of a binary request
// that the malformed-body check costs (connect-es decodes it again). Micro-benchmark: run it on a quiet machine.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { AddHumanUserRequestSchema, DeactivateUserRequestSchema, ListUsersRequestSchema } from "../gen/zitadel/user/v2/user_service_pb.js";
import { checkText, decodeUtf8 } from "../src/api/interceptors/text-input.js";

function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object" || value instanceof Uint8Array || depth > 64) return false;
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.some((v) => hasNul(v, depth + 1));
}

const human = create(AddHumanUserRequestSchema, {
  username: "ada.lovelace@example.com",
  organization: { org: { case: "orgId", value: "916385677553045504" } },
  profile: { givenName: "Ada", familyName: "Lovelace", nickName: "ada", displayName: "Ada Lovelace", preferredLanguage: "en" },
  email: { email: "ada.lovelace@example.com", verification: { case: "isVerified", value: true } },
  passwordType: { case: "password", value: { password: "Secr3t-Passw0rd!", changeRequired: false } },
});
const list = create(ListUsersRequestSchema, { query: { limit: 100 }, queries: [{ query: { case: "userNameQuery", value: { userName: "ada" } } }] });
const body = Buffer.from(JSON.stringify({ username: "ada.lovelace@example.com", profile: { givenName: "Ada", familyName: "Lovelace" }, email: { email: "ada.lovelace@example.com" } }));

function time(label: string, n: number, work: () => unknown): number {
  for (let i = 0; i < n / 10; i++) work();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) work();
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${label.padEnd(44)} ${(ns / 1000).toFixed(3)} µs`);
  return ns;
}

const N = 200_000;
time("NUL scan (before), AddHumanUser", N, () => hasNul(human));
time("one input check (after), AddHumanUser", N, () => checkText(human));
time("NUL scan (before), ListUsers", N, () => hasNul(list));
time("one input check (after), ListUsers", N, () => checkText(list));
time("lenient UTF-8 decode (before), JSON body", N, () => body.toString("utf8"));
time("strict UTF-8 decode (after), JSON body", N, () => decodeUtf8(body));

// The malformed-body check decodes each binary request once more than connect-es does (src/server/malformed-requests.ts).
const deactivate = toBinary(DeactivateUserRequestSchema, create(DeactivateUserRequestSchema, { userId: "916385677553045504" }));
const humanBytes = toBinary(AddHumanUserRequestSchema, human);
time("second binary decode, DeactivateUser", N, () => fromBinary(DeactivateUserRequestSchema, deactivate));
time("second binary decode, AddHumanUser", N, () => fromBinary(AddHumanUserRequestSchema, humanBytes));

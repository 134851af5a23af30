import { describe, expect, it } from "vitest";
import { PathMatcher, matchTemplate, parseTemplate } from "../../src/gateway/path-template.js";

const match = (template: string, path: string) => matchTemplate(parseTemplate(template), path);

describe("parseTemplate", () => {
  it("parses literals, variables, sub-patterns and verbs", () => {
    const t = parseTemplate("/v1/{name=projects/*/things/**}:publish");
    expect(t.verb).toBe("publish");
    expect(t.segments.map((s) => (s.kind === "literal" ? s.value : s.kind))).toEqual(["v1", "projects", "wildcard", "things", "deep"]);
    expect(t.variables).toEqual([{ fieldPath: "name", start: 1, end: 5 }]);
  });

  it("rejects malformed templates", () => {
    for (const bad of ["v1/users", "/v1/{user_id", "/v1/{1abc}", "/v1/**/x/**", "/v1/users:", "/v1//x"]) {
      expect(() => parseTemplate(bad), bad).toThrow();
    }
  });
});

describe("matchTemplate", () => {
  it("matches literal paths exactly", () => {
    expect(match("/v2/users/human", "/v2/users/human")).toEqual([]);
    expect(match("/v2/users/human", "/v2/users/humans")).toBeUndefined();
    expect(match("/v2/users/human", "/v2/users")).toBeUndefined();
    expect(match("/v2/users/human", "/v2/users/human/x")).toBeUndefined();
  });

  it("extracts and percent-decodes variables", () => {
    expect(match("/v2/users/{user_id}/lock", "/v2/users/123/lock")).toEqual([{ fieldPath: "user_id", value: "123" }]);
    expect(match("/v2/users/{user_id}", "/v2/users/a%20b%2Fc")).toEqual([{ fieldPath: "user_id", value: "a b/c" }]);
    expect(match("/v1/{org.id}/users/{user_id=*}", "/v1/o1/users/u1")).toEqual([
      { fieldPath: "org.id", value: "o1" },
      { fieldPath: "user_id", value: "u1" },
    ]);
  });

  it("matches ** across segments, including none", () => {
    expect(match("/files/{path=**}", "/files/a/b/c")).toEqual([{ fieldPath: "path", value: "a/b/c" }]);
    expect(match("/files/{path=**}", "/files")).toEqual([{ fieldPath: "path", value: "" }]);
    expect(match("/v1/{name=shelves/*/books/**}/meta", "/v1/shelves/s1/books/x/y/meta")).toEqual([
      { fieldPath: "name", value: "shelves/s1/books/x/y" },
    ]);
    expect(match("/v1/{name=shelves/*}", "/v1/shelves/s1/extra")).toBeUndefined();
  });

  it("requires the verb when the template has one", () => {
    expect(match("/v1/things/{id}:publish", "/v1/things/t1:publish")).toEqual([{ fieldPath: "id", value: "t1" }]);
    expect(match("/v1/things/{id}:publish", "/v1/things/t1")).toBeUndefined();
    expect(match("/v1/things/{id}", "/v1/things/t1:publish")).toEqual([{ fieldPath: "id", value: "t1:publish" }]);
  });

  it("throws URIError on malformed percent-encoding", () => {
    expect(() => match("/v2/users/{user_id}", "/v2/users/%zz")).toThrow(URIError);
  });
});

describe("PathMatcher", () => {
  const m = new PathMatcher<string>();
  m.add("POST", "/v2/users/{user_id}/lock", "LockUser");
  m.add("GET", "/v2/users/{user_id}", "GetUserByID");
  m.add("delete", "/v2/users/{user_id}", "DeleteUser");
  m.add("POST", "/v2/users/human", "AddHumanUser");
  m.add("POST", "/v2/organizations/{id}", "ById");
  m.add("POST", "/v2/organizations/_search", "ListOrganizations");
  m.add("POST", "/v2/organizations", "AddOrganization");

  it("finds the binding for method and path", () => {
    expect(m.match("POST", "/v2/users/123/lock")).toEqual({
      kind: "found",
      value: "LockUser",
      variables: [{ fieldPath: "user_id", value: "123" }],
    });
    expect(m.match("get", "/v2/users/human")).toMatchObject({ kind: "found", value: "GetUserByID" });
    expect(m.match("POST", "/v2/organizations")).toMatchObject({ kind: "found", value: "AddOrganization" });
  });

  it("prefers the template with more literal segments", () => {
    expect(m.match("POST", "/v2/organizations/_search")).toMatchObject({ kind: "found", value: "ListOrganizations" });
    expect(m.match("POST", "/v2/organizations/o1")).toMatchObject({ kind: "found", value: "ById" });
    const other = new PathMatcher<string>();
    other.add("GET", "/a/{x}/{y}", "vars");
    other.add("GET", "/a/{x}/c", "literal");
    expect(other.match("GET", "/a/b/c")).toMatchObject({ value: "literal" });
  });

  it("reports the allowed methods when only the verb is wrong", () => {
    expect(m.match("PUT", "/v2/users/123")).toEqual({ kind: "method-not-allowed", allow: ["DELETE", "GET"] });
    expect(m.match("GET", "/v2/users/123/lock")).toEqual({ kind: "method-not-allowed", allow: ["POST"] });
  });

  it("reports not-found for unknown paths", () => {
    expect(m.match("GET", "/v3/users")).toEqual({ kind: "not-found" });
    expect(m.match("GET", "/")).toEqual({ kind: "not-found" });
  });
});

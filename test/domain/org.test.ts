import { describe, it } from "vitest";
import { addOrg, addOrgMember, deactivateOrg, reactivateOrg, removeOrg } from "../../src/domain/org/decide.js";
import type { OrgEvent } from "../../src/domain/org/events.js";
import { orgAggregate, type OrgState } from "../../src/domain/org/state.js";
import { given } from "./given.js";

const added: OrgEvent = { type: "org.added", data: { name: "ACME Corp.", primaryDomain: "acme-corp.localhost" } };
const deactivated: OrgEvent = { type: "org.deactivated", data: {} };
const removed: OrgEvent = { type: "org.removed", data: { name: "ACME Corp." } };

describe("organization", () => {
  it("adds an organization with its trimmed name and generated primary domain", () => given(orgAggregate).when((s) => addOrg(s, "  ACME Corp. ")).then([added]));
  it("gives a name without letters or digits the domain org.localhost", () =>
    given(orgAggregate).when((s) => addOrg(s, "%%%")).then([{ type: "org.added", data: { name: "%%%", primaryDomain: "org.localhost" } }]));
  it("refuses an id in use: ORG-id-taken", () => given(orgAggregate, added).when((s) => addOrg(s, "Other")).thenRefuses("already_exists", "ORG-id-taken"));
  it("refuses an empty name: ORG-name-missing", () => given(orgAggregate).when((s) => addOrg(s, "  ")).thenRefuses("invalid_argument", "ORG-name-missing"));
  it("refuses a long name: ORG-name-too-long", () => given(orgAggregate).when((s) => addOrg(s, "n".repeat(201))).thenRefuses("invalid_argument", "ORG-name-too-long"));
  it("deactivates an active organization", () => given(orgAggregate, added).when(deactivateOrg).then([deactivated]));
  it("refuses deactivating twice: ORG-already-deactivated", () => given(orgAggregate, added, deactivated).when(deactivateOrg).thenRefuses("failed_precondition", "ORG-already-deactivated"));
  it("reactivates an inactive organization", () => given(orgAggregate, added, deactivated).when(reactivateOrg).then([{ type: "org.reactivated", data: {} }]));
  it("refuses reactivating an active organization: ORG-already-active", () => given(orgAggregate, added).when(reactivateOrg).thenRefuses("failed_precondition", "ORG-already-active"));
  it("removes an organization, naming the name it frees", () => given(orgAggregate, added, deactivated).when(removeOrg).then([removed]));
  it("adds a member with each role once", () =>
    given(orgAggregate, added).when((s) => addOrgMember(s, "u1", ["ADMIN", "ORG_OWNER", "ADMIN"])).then([{ type: "org.member.added", data: { userId: "u1", roles: ["ADMIN", "ORG_OWNER"] } }]));
  it("refuses a member without roles: ORG-member-roles-missing", () => given(orgAggregate, added).when((s) => addOrgMember(s, "u1", [])).thenRefuses("invalid_argument", "ORG-member-roles-missing"));
  it("refuses an unknown role: ORG-member-role-unknown", () => given(orgAggregate, added).when((s) => addOrgMember(s, "u1", ["IAM_OWNER"])).thenRefuses("invalid_argument", "ORG-member-role-unknown"));
  it.each([
    ["never created", []],
    ["removed", [added, removed]],
  ] as [string, OrgEvent[]][])("answers every command on an organization %s with ORG-not-found", (_, history) => {
    for (const command of [deactivateOrg, reactivateOrg, removeOrg, (s: OrgState) => addOrgMember(s, "u1", ["ADMIN"])]) given(orgAggregate, ...history).when(command).thenRefuses("not_found", "ORG-not-found");
  });
});

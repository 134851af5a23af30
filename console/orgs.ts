import { OrganizationState } from "../gen/zitadel/org/v2/org_pb.js";
import { describeError, formatDate, orgs, orgsBeta } from "./api.js";
import { announce, badge, h, mount } from "./dom.js";
import { announceError } from "./feedback.js";

const stateName = (s: OrganizationState) => (OrganizationState[s] ?? "unspecified").replace("ORGANIZATION_STATE_", "").toLowerCase();

export async function orgsView(main: HTMLElement): Promise<void> {
  mount(main, h("h2", {}, "Organizations"), h("p", { class: "muted" }, "Loading…"));
  const res = await orgs.listOrganizations({ query: { limit: 100, asc: true } });
  const rows = res.result.map((org) => {
    const state = stateName(org.state);
    const act = async () => {
      try {
        const done = state === "active" ? await orgsBeta.deactivateOrganization({ id: org.id }) : await orgsBeta.activateOrganization({ id: org.id });
        announce(`${org.name}: ${state === "active" ? "deactivated" : "reactivated"} at ${formatDate(done.changeDate)}`);
        await orgsView(main);
      } catch (error) {
        announceError(describeError(error));
      }
    };
    return h(
      "tr",
      {},
      h("td", {}, org.name),
      h("td", {}, badge(state)),
      h("td", { class: "hide-narrow" }, org.primaryDomain),
      h("td", { class: "hide-narrow details" }, org.id),
      h(
        "td",
        {},
        state === "active" || state === "inactive"
          ? h("button", { class: "secondary", onclick: act, "aria-label": `${state === "active" ? "Deactivate" : "Reactivate"} ${org.name}` }, state === "active" ? "Deactivate" : "Reactivate")
          : undefined,
      ),
    );
  });
  mount(
    main,
    h("h2", {}, "Organizations"),
    h("p", { class: "muted" }, `${res.details?.totalResult ?? rows.length} organizations`),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "State"), h("th", { scope: "col", class: "hide-narrow" }, "Domain"), h("th", { scope: "col", class: "hide-narrow" }, "ID"), h("th", { scope: "col" }, "Action"))),
        h("tbody", {}, ...rows),
      ),
    ),
  );
}

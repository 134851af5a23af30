import { OrganizationState, type Organization } from "../gen/zitadel/org/v2/org_pb.js";
import { describeError, formatDate, inOrg, management, orgs } from "./api.js";
import { describeChange, isAnnounced } from "./changes.js";
import { confirmAction } from "./confirm.js";
import { badge, h, mount } from "./dom.js";
import { showError, showStatus } from "./feedback.js";
import { watchEvents } from "./live.js";
import { organizations } from "./names.js";
import { madeElsewhere, markCreated, ownAction } from "./own-changes.js";
import type { ObjectDetails } from "../gen/zitadel/object_pb.js";

const stateName = (s: OrganizationState) => (OrganizationState[s] ?? "unspecified").replace("ORGANIZATION_STATE_", "").toLowerCase();

/** Every organization the principal may read: create one, deactivate (after typing its name) or reactivate. */
export async function orgsView(main: HTMLElement, signal: AbortSignal): Promise<void> {
  const tbody = h("tbody");
  const count = h("p", { class: "muted" }, "Loading…");
  let shown: Organization[] = [];
  const load = async () => {
    shown = await organizations(true);
    mount(count, `${shown.length} organizations`);
    mount(tbody, ...shown.map(row));
  };
  const row = (org: Organization) => {
    const state = stateName(org.state);
    return h(
      "tr",
      {},
      h("td", {}, org.name),
      h("td", {}, badge(state)),
      h("td", { class: "hide-narrow" }, org.primaryDomain),
      h("td", { class: "hide-narrow details" }, org.id),
      h("td", {}, h("a", { href: `#/users?org=${org.id}`, "aria-label": `Users of ${org.name}` }, "Users")),
      h(
        "td",
        {},
        state === "active" && h("button", { class: "danger", onclick: () => void deactivate(org), "aria-label": `Deactivate ${org.name}` }, "Deactivate"),
        state === "inactive" && h("button", { class: "secondary", onclick: () => void reactivate(org), "aria-label": `Reactivate ${org.name}` }, "Reactivate"),
      ),
    );
  };
  const deactivate = async (org: Organization) => {
    const ok = await confirmAction({
      title: `Deactivate ${org.name}?`,
      body: [h("p", {}, "None of its users can sign in, and none of their tokens work, until the organization is reactivated. If your own user belongs to it, you are signed out too.")],
      confirmLabel: "Deactivate organization",
      typeToConfirm: org.name,
    });
    if (!ok) return;
    await change(org, "Deactivate", "deactivated", () => management.deactivateOrg({}, inOrg(org.id)));
  };
  const reactivate = (org: Organization) => change(org, "Reactivate", "reactivated", () => management.reactivateOrg({}, inOrg(org.id)));
  const change = async (org: Organization, label: string, done: string, run: () => Promise<{ details?: ObjectDetails }>) => {
    try {
      const res = await ownAction(org.id, run);
      showStatus(`${org.name}: ${done} at ${formatDate(res.details?.changeDate)}`);
    } catch (error) {
      showError(describeError(error), `${label} ${org.name}`);
    }
    await load().catch((error) => showError(error));
  };

  const name = h("input", { id: "org-name", required: true, maxlength: 200, autocomplete: "off" }) as HTMLInputElement;
  const create = h(
    "form",
    {
      class: "inline",
      "aria-labelledby": "new-org",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const res = await orgs.addOrganization({ name: name.value.trim() });
          markCreated(res.organizationId, res.details?.sequence);
          showStatus(`Organization ${name.value.trim()} created`);
          name.value = "";
          await load();
        } catch (error) {
          showError(describeError(error), "Create organization");
        }
      },
    },
    h("div", {}, h("label", { for: "org-name" }, "New organization's name"), name),
    h("button", { type: "submit" }, "Create organization"),
  );

  await load();
  mount(
    main,
    h("h2", {}, "Organizations"),
    h("h3", { id: "new-org" }, "New organization"),
    create,
    count,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Name"),
            h("th", { scope: "col" }, "State"),
            h("th", { scope: "col", class: "hide-narrow" }, "Domain"),
            h("th", { scope: "col", class: "hide-narrow" }, "ID"),
            h("th", { scope: "col" }, "Users"),
            h("th", { scope: "col" }, "Action"),
          ),
        ),
        tbody,
      ),
    ),
  );

  watchEvents(
    { aggregateType: "org" },
    {
      fromNow: true,
      signal,
      onEvent: async (event) => {
        if (!isAnnounced(event) || !madeElsewhere(event)) return;
        const known = shown.find((o) => o.id === event.aggregateId)?.name ?? (event.payload?.name as string | undefined) ?? `organization ${event.aggregateId}`;
        showStatus(await describeChange(event, known));
        await load();
      },
    },
  );
}

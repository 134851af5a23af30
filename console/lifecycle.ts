import { PlannedStep, type InactivityPolicy, type PlannedAction } from "../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { describeError, formatDate, orgs } from "./api.js";
import { h, mount } from "./dom.js";
import { errorLine, showError, showStatus } from "./feedback.js";
import { lifecycle } from "./lifecycle-api.js";

const PAGE = 50;

/** #/lifecycle: pick an organization; #/lifecycle/<org id>?page=: its inactivity policy and the preview. */
export async function lifecycleView(main: HTMLElement, orgId: string | undefined, query: URLSearchParams): Promise<void> {
  if (!orgId) return orgPicker(main);
  const page = Math.max(0, Number(query.get("page") ?? 0) || 0);
  const policyBox = h("section", { "aria-label": "Inactivity policy" });
  const previewBox = h("section", { "aria-label": "Preview" });
  mount(main, h("h2", {}, "Lifecycle policy"), h("p", { class: "details" }, `organization ${orgId}`), policyBox, previewBox);
  await Promise.all([showPolicy(policyBox, orgId, () => lifecycleView(main, orgId, query)), showPreview(previewBox, orgId, page)]);
}

async function orgPicker(main: HTMLElement): Promise<void> {
  const res = await orgs.listOrganizations({ query: { limit: 100, asc: true } });
  mount(main, h("h2", {}, "Lifecycle policy"), h("p", {}, "Choose an organization:"), h("ul", {}, ...res.result.map((org) => h("li", {}, h("a", { href: `#/lifecycle/${encodeURIComponent(org.id)}` }, org.name)))));
}

function describePolicy(policy: InactivityPolicy | undefined, inherited: boolean): string {
  if (!policy) return "No inactivity policy: users are never deactivated for inactivity.";
  const who = policy.includeMachineUsers ? "users (machine users included)" : "human users";
  const mode = policy.dryRun ? " — dry run: recorded, not done" : "";
  return `${inherited ? "Instance default: " : ""}deactivate ${who} inactive for more than ${policy.inactiveDays} days${mode}.`;
}

async function showPolicy(box: HTMLElement, orgId: string, reload: () => Promise<void>): Promise<void> {
  const { policy, inherited } = await lifecycle.getInactivityPolicy({ organizationId: orgId });
  const days = h("input", { type: "number", id: "inactive-days", min: 1, max: 3650, required: true, value: policy?.inactiveDays ?? 90 }) as HTMLInputElement;
  const machines = h("input", { type: "checkbox", id: "include-machines", checked: policy?.includeMachineUsers }) as HTMLInputElement;
  const dryRun = h("input", { type: "checkbox", id: "dry-run", checked: policy?.dryRun }) as HTMLInputElement;
  const result = h("p", { "aria-live": "polite" });
  const run = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      showStatus(`${what}: done`);
      await reload();
    } catch (error) {
      mount(result, errorLine(describeError(error)));
      showError(error);
    }
  };
  const save = (event: Event) => {
    event.preventDefault();
    void run("Policy saved", () => lifecycle.setInactivityPolicy({ organizationId: orgId, inactiveDays: Number(days.value), includeMachineUsers: machines.checked, dryRun: dryRun.checked }));
  };
  mount(
    box,
    h("p", { id: "policy" }, describePolicy(policy, inherited), policy ? h("span", { class: "details" }, ` (policy ${policy.policyId}, changed ${formatDate(policy.changeDate)})`) : undefined),
    h(
      "form",
      { class: "row", onsubmit: save },
      h("label", { for: "inactive-days" }, "Inactive days "),
      days,
      h("label", {}, machines, " include machine users"),
      h("label", {}, dryRun, " dry run"),
      h("button", { type: "submit" }, "Save policy"),
      policy && !inherited ? h("button", { type: "button", class: "secondary", onclick: () => void run("Policy removed", () => lifecycle.removeInactivityPolicy({ organizationId: orgId })) }, "Remove") : undefined,
    ),
    result,
  );
}

function reasonOf(action: PlannedAction): string {
  if (action.reason.case === "inactivity") return `inactive since ${formatDate(action.reason.value.idleSince)} (policy ${action.reason.value.policyId})`;
  if (action.reason.case === "scheduleId") return `schedule ${action.reason.value}`;
  return "–";
}

async function showPreview(box: HTMLElement, orgId: string, page: number): Promise<void> {
  try {
    const res = await lifecycle.previewDeactivations({ organizationId: orgId, offset: BigInt(page * PAGE), limit: PAGE });
    const total = Number(res.totalResult);
    const link = (p: number, label: string) => h("a", { href: `#/lifecycle/${encodeURIComponent(orgId)}?page=${p}` }, label);
    mount(
      box,
      h("h3", {}, "Due now"),
      h("p", { class: "muted" }, `${total} action${total === 1 ? "" : "s"} due`),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "preview" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "User"), h("th", { scope: "col" }, "Action"), h("th", { scope: "col" }, "Due"), h("th", { scope: "col" }, "Reason"))),
          h(
            "tbody",
            {},
            ...res.actions.map((a) =>
              h(
                "tr",
                {},
                h("td", {}, h("a", { href: `#/users/${encodeURIComponent(a.userId)}` }, a.username)),
                h("td", {}, `${a.step === PlannedStep.DELETE ? "delete" : "deactivate"}${a.dryRun ? " (dry run)" : ""}`),
                h("td", {}, formatDate(a.dueAt)),
                h("td", { class: "details" }, reasonOf(a)),
              ),
            ),
          ),
        ),
      ),
      h("p", { class: "row" }, page > 0 ? link(page - 1, "Previous") : undefined, (page + 1) * PAGE < total ? link(page + 1, "Next") : undefined),
    );
  } catch (error) {
    mount(box, errorLine(describeError(error)));
  }
}

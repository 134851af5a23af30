import { TextQueryMethod } from "../gen/zitadel/object/v2/object_pb.js";
import { type User, UserState } from "../gen/zitadel/user/v2/user_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SearchQuerySchema } from "../gen/zitadel/user/v2/query_pb.js";
import { users } from "./api.js";
import { bulkBar } from "./bulk.js";
import { describeChange, isAnnounced } from "./changes.js";
import { badge, h, mount, select } from "./dom.js";
import { showStatus } from "./feedback.js";
import { watchEvents } from "./live.js";
import { organizations } from "./names.js";
import { madeElsewhere } from "./own-changes.js";
import { userStateName } from "./user-actions.js";

const PAGE = 20;
const STATES = ["active", "inactive", "locked", "initial"] as const;

const stateValue = (name: string) => UserState[name.toUpperCase() as keyof typeof UserState];

/** Users by username, organization and state, a page at a time; pick several for a bulk action. */
export async function usersView(main: HTMLElement, params: URLSearchParams, signal: AbortSignal): Promise<void> {
  const filter = { q: params.get("q") ?? "", org: params.get("org") ?? "", state: params.get("state") ?? "" };
  const page = Math.max(0, Number(params.get("page") ?? 0) || 0);
  const go = (change: Partial<typeof filter>, p = 0) => {
    const next = { ...filter, ...change, page: String(p) };
    location.hash = `#/users?${new URLSearchParams(Object.entries(next).filter(([, v]) => v !== "" && v !== "0"))}`;
  };
  const orgList = await organizations();
  const orgNames = new Map(orgList.map((o) => [o.id, o.name]));

  const search = h("input", { id: "search", type: "search", value: filter.q, placeholder: "part of a username" }) as HTMLInputElement;
  const orgSelect = select("org-filter", [["", "All organizations"], ...orgList.map((o): [string, string] => [o.id, o.name])], filter.org, (org) => go({ org }));
  const stateSelect = select("state-filter", [["", "Any state"], ...STATES.map((s): [string, string] => [s, s])], filter.state, (state) => go({ state }));
  const form = h(
    "form",
    { role: "search", class: "inline", onsubmit: (e) => (e.preventDefault(), go({ q: search.value.trim() })) },
    h("div", {}, h("label", { for: "search" }, "Search users"), search),
    h("div", {}, h("label", { for: "org-filter" }, "Organization"), orgSelect),
    h("div", {}, h("label", { for: "state-filter" }, "State"), stateSelect),
    h("button", { type: "submit" }, "Search"),
  );
  const count = h("p", { class: "muted", "aria-live": "polite" }, "Loading…");
  const live = h("span", { class: "muted", id: "live" });
  const tbody = h("tbody");
  const selected = new Set<string>();
  let shown: User[] = [];
  const bulk = h("div", { class: "bulk row", role: "group", "aria-label": "Bulk actions", id: "bulk" });
  const selectAll = h("input", { type: "checkbox", id: "select-all", "aria-label": "Select all users on this page" }) as HTMLInputElement;
  selectAll.addEventListener("change", () => {
    for (const u of shown) selectAll.checked ? selected.add(u.userId) : selected.delete(u.userId);
    render();
  });

  const queries: MessageInitShape<typeof SearchQuerySchema>[] = [];
  if (filter.q) queries.push({ query: { case: "userNameQuery", value: { userName: filter.q, method: TextQueryMethod.CONTAINS_IGNORE_CASE } } });
  if (filter.org) queries.push({ query: { case: "organizationIdQuery", value: { organizationId: filter.org } } });
  if (filter.state && stateValue(filter.state) !== undefined) queries.push({ query: { case: "stateQuery", value: { state: stateValue(filter.state) } } });

  let total = 0;
  const load = async () => {
    const res = await users.listUsers({ query: { offset: BigInt(page * PAGE), limit: PAGE, asc: true }, queries });
    total = Number(res.details?.totalResult ?? 0);
    shown = res.result;
    for (const id of [...selected]) if (!shown.some((u) => u.userId === id)) selected.delete(id);
    render();
  };
  const render = () => {
    mount(count, `${total} users · page ${page + 1} of ${Math.max(1, Math.ceil(total / PAGE))} `, live);
    mount(
      tbody,
      ...shown.map((u) => {
        const pick = h("input", { type: "checkbox", "aria-label": `Select ${u.username}`, checked: selected.has(u.userId), "data-user": u.userId }) as HTMLInputElement;
        pick.addEventListener("change", () => (pick.checked ? selected.add(u.userId) : selected.delete(u.userId), render()));
        return h(
          "tr",
          {},
          h("td", { class: "pick" }, pick),
          h("td", {}, h("a", { href: `#/users/${u.userId}` }, u.username)),
          h("td", {}, badge(userStateName(u.state))),
          h("td", { class: "hide-narrow" }, u.type.case ?? ""),
          h("td", { class: "hide-narrow" }, orgNames.get(u.details?.resourceOwner ?? "") ?? u.details?.resourceOwner ?? ""),
        );
      }),
    );
    selectAll.checked = shown.length > 0 && shown.every((u) => selected.has(u.userId));
    mount(bulk, ...bulkBar(shown.filter((u) => selected.has(u.userId)), () => (selected.clear(), load())));
  };

  await load();
  mount(
    main,
    h("div", { class: "row" }, h("h2", {}, "Users"), h("a", { href: "#/users/new", class: "push" }, "New user")),
    form,
    count,
    bulk,
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
            h("th", { scope: "col", class: "pick" }, selectAll),
            h("th", { scope: "col" }, "Username"),
            h("th", { scope: "col" }, "State"),
            h("th", { scope: "col", class: "hide-narrow" }, "Type"),
            h("th", { scope: "col", class: "hide-narrow" }, "Organization"),
          ),
        ),
        tbody,
      ),
    ),
    h(
      "nav",
      { class: "row", "aria-label": "Pages" },
      h("button", { class: "secondary", disabled: page === 0, onclick: () => go({}, page - 1) }, "Previous"),
      h("button", { class: "secondary", disabled: (page + 1) * PAGE >= total, onclick: () => go({}, page + 1) }, "Next"),
    ),
  );

  // Changes made elsewhere to users of this list's scope are announced and the page reloads in place.
  watchEvents(
    { aggregateType: "user", resourceOwner: filter.org || undefined },
    {
      fromNow: true,
      signal,
      onState: (state) => (live.textContent = state.kind === "live" ? "· live" : state.kind === "reconnecting" ? "· reconnecting" : ""),
      onEvent: async (event) => {
        if (!isAnnounced(event) || !madeElsewhere(event)) return;
        const known = shown.find((u) => u.userId === event.aggregateId)?.username ?? (event.payload?.username as string | undefined) ?? `user ${event.aggregateId}`;
        showStatus(await describeChange(event, known));
        await load();
      },
    },
  );
}

import { TextQueryMethod } from "../gen/zitadel/object/v2/object_pb.js";
import { UserState } from "../gen/zitadel/user/v2/user_pb.js";
import { users } from "./api.js";
import { badge, h, mount } from "./dom.js";

const PAGE = 20;

export const userStateName = (s: UserState) => (UserState[s] ?? "unspecified").replace("USER_STATE_", "").toLowerCase();

/** Search by username, a page at a time; state as a badge. */
export async function usersView(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get("q") ?? "";
  const page = Math.max(0, Number(params.get("page") ?? 0) || 0);
  const search = h("input", { id: "search", type: "search", value: q, placeholder: "part of a username" }) as HTMLInputElement;
  const go = (query: string, p: number) => (location.hash = `#/users?${new URLSearchParams({ q: query, page: String(p) })}`);
  const form = h(
    "form",
    { role: "search", onsubmit: (e) => (e.preventDefault(), go(search.value.trim(), 0)) },
    h("label", { for: "search" }, "Search users"),
    h("div", { class: "row" }, search, h("button", { type: "submit" }, "Search")),
  );
  mount(main, h("h2", {}, "Users"), form, h("p", { class: "muted" }, "Loading…"));
  const res = await users.listUsers({
    query: { offset: BigInt(page * PAGE), limit: PAGE, asc: true },
    queries: q ? [{ query: { case: "userNameQuery", value: { userName: q, method: TextQueryMethod.CONTAINS_IGNORE_CASE } } }] : [],
  });
  const total = Number(res.details?.totalResult ?? 0);
  const rows = res.result.map((u) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/users/${u.userId}` }, u.username)),
      h("td", {}, badge(userStateName(u.state))),
      h("td", { class: "hide-narrow" }, u.type.case ?? ""),
      h("td", { class: "hide-narrow details" }, u.details?.resourceOwner ?? ""),
    ),
  );
  mount(
    main,
    h("h2", {}, "Users"),
    form,
    h("p", { class: "muted", "aria-live": "polite" }, `${total} users · page ${page + 1} of ${Math.max(1, Math.ceil(total / PAGE))}`),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Username"), h("th", { scope: "col" }, "State"), h("th", { scope: "col", class: "hide-narrow" }, "Type"), h("th", { scope: "col", class: "hide-narrow" }, "Organization"))),
        h("tbody", {}, ...rows),
      ),
    ),
    h(
      "nav",
      { class: "row", "aria-label": "Pages" },
      h("button", { class: "secondary", disabled: page === 0, onclick: () => go(q, page - 1) }, "Previous"),
      h("button", { class: "secondary", disabled: (page + 1) * PAGE >= total, onclick: () => go(q, page + 1) }, "Next"),
    ),
  );
}

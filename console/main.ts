import { describeError, hasCode, session, SIGNED_OUT } from "./api.js";
import { Code } from "@connectrpc/connect";
import { h, mount } from "./dom.js";
import { clearFeedback, showError } from "./feedback.js";
import { forgetNames } from "./names.js";
import { orgsView } from "./orgs.js";
import { signInView } from "./sign-in.js";
import { newUserView } from "./user-new.js";
import { userView } from "./user.js";
import { lifecycleView } from "./lifecycle.js";
import { usersView } from "./users.js";
import { executionsView } from "./executions.js";
import { targetView } from "./target.js";
import { targetsView } from "./targets.js";

const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
const TITLE = document.title;
let leaving = new AbortController();

type View = (params: URLSearchParams, signal: AbortSignal, id?: string) => Promise<void>;

/** Hash routes; anything else is a page of its own that says so. */
const ROUTES: [RegExp, View, string][] = [
  [/^\/?$/, (params, signal) => usersView(main, params, signal), "#/users"],
  [/^\/users$/, (params, signal) => usersView(main, params, signal), "#/users"],
  [/^\/users\/new$/, (params) => newUserView(main, params), "#/users"],
  [/^\/users\/([^/]+)$/, (_, signal, id) => userView(main, decodeURIComponent(id!), signal), "#/users"],
  [/^\/orgs$/, (_, signal) => orgsView(main, signal), "#/orgs"],
  [/^\/targets$/, () => targetsView(main), "#/targets"],
  [/^\/targets\/([^/]+)$/, (_, __, id) => targetView(main, decodeURIComponent(id!)), "#/targets"],
  [/^\/executions$/, () => executionsView(main), "#/executions"],
  [/^\/lifecycle(?:\/([^/]+))?$/, (params, _, id) => lifecycleView(main, id && decodeURIComponent(id), params), "#/lifecycle"],
];

async function route(): Promise<void> {
  leaving.abort();
  leaving = new AbortController();
  clearFeedback();
  document.title = TITLE;
  if (!session.token) {
    mount(nav);
    forgetNames();
    signInView(main, afterSignIn);
    return;
  }
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const found = ROUTES.map(([pattern, view, section]) => ({ match: pattern.exec(path), view, section })).find((r) => r.match);
  const link = (href: string, text: string) => h("a", { href, "aria-current": found?.section === href ? "page" : undefined }, text);
  mount(
    nav,
    link("#/orgs", "Organizations"),
    link("#/users", "Users"),
    link("#/lifecycle", "Lifecycle"),
    link("#/targets", "Targets"),
    link("#/executions", "Executions"),
    h("button", { class: "secondary", onclick: () => ((session.token = null), void route()) }, "Sign out"),
  );
  mount(main, h("p", { class: "muted" }, "Loading…"));
  try {
    if (found) await found.view(new URLSearchParams(query), leaving.signal, found.match![1]);
    else notFound(path);
  } catch (error) {
    // A token that stopped working signs out (SIGNED_OUT); the sign-in page then says why.
    if (hasCode(error, Code.Unauthenticated)) return;
    mount(main, h("h2", {}, "This page could not be loaded"), h("p", {}, h("a", { href: "#/users" }, "Back to users")));
    showError(describeError(error));
    return;
  }
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

/** On to the page asked for, or to the users list (setting the hash it already has would not route). */
function afterSignIn() {
  if (["", "#", "#/"].includes(location.hash)) location.hash = "#/users";
  else void route();
}

function notFound(path: string) {
  document.title = `Not found · ${TITLE}`;
  mount(
    main,
    h("h2", {}, "Page not found"),
    h("p", {}, "There is no page at ", h("code", {}, `#${path}`), "."),
    h("p", {}, h("a", { href: "#/users" }, "Users"), " · ", h("a", { href: "#/orgs" }, "Organizations")),
  );
}

window.addEventListener("hashchange", () => void route());
window.addEventListener(SIGNED_OUT, (event) => {
  if (!session.token) return;
  session.token = null;
  void route().then(() => showError((event as CustomEvent).detail, "Your token stopped working; signed out. The last call"));
});
void route();

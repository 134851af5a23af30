import { describeError, isUnauthenticated, session } from "./api.js";
import { h, mount } from "./dom.js";
import { errorLine } from "./feedback.js";
import { orgsView } from "./orgs.js";
import { signInView } from "./sign-in.js";
import { userView } from "./user.js";
import { lifecycleView } from "./lifecycle.js";
import { usersView } from "./users.js";

const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
let leaving = new AbortController();

/** Hash routes: #/orgs, #/users?q=&page=, #/users/<id>. */
async function route(): Promise<void> {
  leaving.abort();
  leaving = new AbortController();
  if (!session.token) {
    mount(nav);
    // Land on the users list; setting the hash it already has would not route.
    signInView(main, () => (location.hash === "#/users" ? void route() : (location.hash = "#/users")));
    return;
  }
  mount(
    nav,
    h("a", { href: "#/orgs" }, "Organizations"),
    h("a", { href: "#/users" }, "Users"),
    h("a", { href: "#/lifecycle" }, "Lifecycle"),
    h("button", { class: "secondary", onclick: () => ((session.token = null), void route()) }, "Sign out"),
  );
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "orgs") await orgsView(main);
    else if (parts[0] === "lifecycle") await lifecycleView(main, parts[1] && decodeURIComponent(parts[1]), new URLSearchParams(query));
    else if (parts[0] === "users" && parts[1]) await userView(main, decodeURIComponent(parts[1]), leaving.signal);
    else await usersView(main, new URLSearchParams(query));
  } catch (error) {
    if (isUnauthenticated(error)) {
      session.token = null;
      return route();
    }
    mount(main, h("h2", {}, "Something went wrong"), errorLine(describeError(error)));
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", () => void route());
void route();

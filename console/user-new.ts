import { describeError, users } from "./api.js";
import { h, mount, select } from "./dom.js";
import { showError, showStatusOnNextPage } from "./feedback.js";
import { organizations } from "./names.js";
import { markCreated } from "./own-changes.js";

/** A human user, with or without a password; without one (and an unverified email) it starts INITIAL. */
export async function newUserView(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const orgList = await organizations(true);
  const field = (id: string, label: string, attrs: Record<string, string | boolean> = {}) => {
    const input = h("input", { id, ...attrs }) as HTMLInputElement;
    return { input, el: h("div", { class: "field" }, h("label", { for: id }, label), input) };
  };
  const org = select("new-org", orgList.map((o): [string, string] => [o.id, o.name]), params.get("org") ?? orgList[0]?.id ?? "");
  const username = field("new-username", "Username", { required: true, maxlength: "200", autocomplete: "off" });
  const given = field("new-given-name", "Given name", { required: true, maxlength: "200" });
  const family = field("new-family-name", "Family name", { required: true, maxlength: "200" });
  const email = field("new-email", "Email", { type: "email", required: true });
  const verified = h("input", { type: "checkbox", id: "new-email-verified" }) as HTMLInputElement;
  const password = field("new-password", "Password (optional)", { type: "password", autocomplete: "new-password", "aria-describedby": "new-password-hint" });
  const changeRequired = h("input", { type: "checkbox", id: "new-change-required" }) as HTMLInputElement;

  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const res = await users.addHumanUser({
        organization: { org: { case: "orgId", value: org.value } },
        username: username.input.value.trim(),
        profile: { givenName: given.input.value.trim(), familyName: family.input.value.trim() },
        email: { email: email.input.value.trim(), verification: { case: "isVerified", value: verified.checked } },
        passwordType: password.input.value ? { case: "password", value: { password: password.input.value, changeRequired: changeRequired.checked } } : { case: undefined },
      });
      password.input.value = "";
      markCreated(res.userId, res.details?.sequence);
      showStatusOnNextPage(`User ${username.input.value.trim()} created`);
      location.hash = `#/users/${res.userId}`;
    } catch (error) {
      showError(describeError(error), "Create user");
    }
  };

  mount(
    main,
    h("h2", {}, "New user"),
    orgList.length === 0
      ? h("p", { class: "notice" }, "You may not read any organization, so there is none to create a user in.")
      : h(
          "form",
          { onsubmit: submit, "aria-label": "New user" },
          h("div", { class: "field" }, h("label", { for: "new-org" }, "Organization"), org),
          username.el,
          given.el,
          family.el,
          email.el,
          h("label", { class: "check", for: "new-email-verified" }, verified, "The email address is verified"),
          password.el,
          h("small", { class: "muted", id: "new-password-hint" }, "Without a password and a verified email, the user starts in state initial."),
          h("label", { class: "check", for: "new-change-required" }, changeRequired, "Must change the password at first sign-in"),
          h("div", { class: "row" }, h("button", { type: "submit" }, "Create user"), h("a", { href: "#/users" }, "Cancel")),
        ),
  );
  username.input.focus();
}

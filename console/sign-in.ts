import { describeError, session, sessions, users } from "./api.js";
import { h, mount } from "./dom.js";
import { showError } from "./feedback.js";

/** A personal access token, or a login name and password checked by CreateSession (with a login client's token). */
export function signInView(main: HTMLElement, done: () => void): void {
  const tokenInput = h("input", { id: "token", type: "password", autocomplete: "off", required: true }) as HTMLInputElement;
  const loginName = h("input", { id: "login-name", autocomplete: "username", required: true }) as HTMLInputElement;
  const password = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true }) as HTMLInputElement;
  const loginClient = h("input", { id: "login-client-token", type: "password", autocomplete: "off", required: true, "aria-describedby": "login-client-hint" }) as HTMLInputElement;

  async function useToken(token: string) {
    try {
      // Any valid principal may list users (it sees at least itself): a cheap check that the token works.
      await users.listUsers({ query: { limit: 1 } }, { headers: { authorization: `Bearer ${token}` } });
      session.token = token;
      done();
    } catch (error) {
      showError(describeError(error), "Sign-in");
    }
  }

  mount(
    main,
    h("h2", {}, "Sign in"),
    h(
      "form",
      { "aria-labelledby": "by-token", onsubmit: (e) => (e.preventDefault(), void useToken(tokenInput.value.trim())) },
      h("h3", { id: "by-token" }, "With a token"),
      h("label", { for: "token" }, "Personal access token or session token"),
      tokenInput,
      h("button", { type: "submit" }, "Sign in with token"),
    ),
    h(
      "form",
      {
        "aria-labelledby": "by-password",
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const res = await sessions.createSession(
              { checks: { user: { search: { case: "loginName", value: loginName.value.trim() } }, password: { password: password.value } } },
              { headers: { authorization: `Bearer ${loginClient.value.trim()}` } },
            );
            password.value = "";
            await useToken(res.sessionToken);
          } catch (error) {
            showError(describeError(error), "Sign-in");
          }
        },
      },
      h("h3", { id: "by-password" }, "With username and password"),
      h("label", { for: "login-name" }, "Login name"),
      loginName,
      h("label", { for: "password" }, "Password"),
      password,
      h("label", { for: "login-client-token" }, "Login client token"),
      h("small", { class: "muted", id: "login-client-hint" }, "A service user's token with session.write, as ZITADEL's login UI uses."),
      loginClient,
      h("button", { type: "submit" }, "Sign in with password"),
    ),
  );
  tokenInput.focus();
}

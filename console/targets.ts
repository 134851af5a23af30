import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { Target } from "../gen/zitadel/action/v2/target_pb.js";
import { describeError } from "./api.js";
import { confirmAction } from "./confirm.js";
import { actions, delivery } from "./delivery-api.js";
import { badge, h, mount } from "./dom.js";
import { errorLine, showError, showStatus } from "./feedback.js";
import { showNotAllowed } from "./not-allowed.js";

export const timeoutSeconds = (t: Target) => Number(t.timeout?.seconds ?? 0n) + (t.timeout?.nanos ?? 0) / 1e9;

/** #/targets: every action target with its state, a form to create one, and delete. */
export async function targetsView(main: HTMLElement): Promise<void> {
  let targets: Target[];
  try {
    targets = (await actions.listTargets({})).targets;
  } catch (error) {
    if (showNotAllowed(main, "Action targets", error)) return;
    throw error;
  }
  const states = await Promise.all(targets.map((t) => delivery.getDeliveryStatus({ targetId: t.id }).catch(() => undefined)));
  const created = h("section", { id: "created-key", "aria-live": "polite" });
  const name = h("input", { id: "target-name", required: true, autocomplete: "off" }) as HTMLInputElement;
  const endpoint = h("input", { id: "target-endpoint", type: "url", required: true, placeholder: "https://receiver.example.com/zitadel" }) as HTMLInputElement;
  const timeout = h("input", { id: "target-timeout", type: "number", min: 1, max: 270, value: 10, required: true }) as HTMLInputElement;
  const result = h("p", { "aria-live": "polite" });
  const create = async (event: Event) => {
    event.preventDefault();
    try {
      const res = await actions.createTarget({ name: name.value.trim(), endpoint: endpoint.value.trim(), timeout: durationFromMs(Number(timeout.value) * 1000), targetType: { case: "restAsync", value: {} } });
      await targetsView(main);
      // The signing key is shown this once; the receiver verifies every call with it.
      mount(
        document.getElementById("created-key")!,
        h("h3", {}, `Target ${name.value.trim()} created`),
        h("p", {}, "Its signing key, shown once here — give it to the receiver, which verifies every call's signature with it:"),
        h("p", {}, h("code", { id: "signing-key", class: "secret" }, res.signingKey)),
        h("p", {}, h("a", { href: `#/targets/${encodeURIComponent(res.id)}` }, "Open the target")),
      );
      showStatus(`Target ${name.value.trim()} created`);
    } catch (error) {
      mount(result, errorLine(describeError(error), "Create target"));
      showError(error, "Create target");
    }
  };
  const remove = async (t: Target) => {
    const ok = await confirmAction({ title: `Delete target ${t.name}?`, body: [h("p", {}, "It gets no more events, and every execution stops calling it. This cannot be undone.")], confirmLabel: "Delete target" });
    if (!ok) return;
    try {
      await actions.deleteTarget({ id: t.id });
      await targetsView(main);
      showStatus(`Target ${t.name} deleted`);
    } catch (error) {
      showError(error, "Delete target");
    }
  };
  mount(
    main,
    h("h2", {}, "Action targets"),
    h("p", { class: "muted" }, "Endpoints that receive signed events; ", h("a", { href: "#/executions" }, "executions"), " choose which events go where."),
    created,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "targets" },
        h("thead", {}, h("tr", {}, ...["Name", "State", "Endpoint", "Timeout", "Lag", ""].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          ...targets.map((t, i) => {
            const s = states[i];
            return h(
              "tr",
              { "data-target": t.id },
              h("td", {}, h("a", { href: `#/targets/${encodeURIComponent(t.id)}` }, t.name)),
              h("td", {}, s ? badge(s.active ? "active" : "disabled") : "–", s && !s.active ? h("span", { class: "details" }, ` ${s.disabledReason === "gone" ? "410 Gone" : "failing"}`) : undefined),
              h("td", { class: "details" }, t.endpoint),
              h("td", {}, `${timeoutSeconds(t)} s`),
              h("td", {}, s ? `${s.lagEvents} events` : "–"),
              h("td", {}, h("button", { class: "danger", "aria-label": `Delete ${t.name}`, onclick: () => void remove(t) }, "Delete")),
            );
          }),
        ),
      ),
    ),
    targets.length === 0 ? h("p", { class: "muted" }, "No targets yet.") : undefined,
    h("h3", {}, "New target"),
    h(
      "form",
      { class: "inline", onsubmit: (e) => void create(e) },
      h("div", {}, h("label", { for: "target-name" }, "Name"), name),
      h("div", {}, h("label", { for: "target-endpoint" }, "Endpoint"), endpoint),
      h("div", {}, h("label", { for: "target-timeout" }, "Timeout (seconds)"), timeout),
      h("button", { type: "submit" }, "Create target"),
    ),
    result,
  );
}

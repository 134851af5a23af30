import type { Execution } from "../gen/zitadel/action/v2/execution_pb.js";
import { describeError, formatDate } from "./api.js";
import { confirmAction } from "./confirm.js";
import { actions } from "./delivery-api.js";
import { h, mount, select } from "./dom.js";
import { errorLine, showError, showStatus } from "./feedback.js";
import { showNotAllowed } from "./not-allowed.js";

type Kind = "event" | "group" | "all";

function conditionOf(e: Execution): { kind: Kind; value: string } | undefined {
  const c = e.condition?.conditionType;
  if (c?.case !== "event") return undefined;
  const v = c.value.condition;
  if (v.case === "all") return { kind: "all", value: "" };
  if (v.case === "event" || v.case === "group") return { kind: v.case, value: v.value };
  return undefined;
}

const describeCondition = (c: { kind: Kind; value: string }) => (c.kind === "all" ? "every event" : c.kind === "group" ? `every ${c.value}.* event` : `event ${c.value}`);

const wireCondition = (kind: Kind, value: string) => ({
  conditionType: { case: "event" as const, value: { condition: kind === "all" ? { case: "all" as const, value: true } : { case: kind, value } } },
});

/** #/executions: which events go to which targets; set one on an event, a group or all events, or remove it. */
export async function executionsView(main: HTMLElement): Promise<void> {
  let executions: Execution[];
  let targetNames: Map<string, string>;
  try {
    const [e, t] = await Promise.all([actions.listExecutions({}), actions.listTargets({})]);
    executions = e.executions;
    targetNames = new Map(t.targets.map((x) => [x.id, x.name]));
  } catch (error) {
    if (showNotAllowed(main, "Executions", error)) return;
    throw error;
  }
  const set = async (what: string, kind: Kind, value: string, targets: string[]) => {
    try {
      await actions.setExecution({ condition: wireCondition(kind, value), targets });
      await executionsView(main);
      showStatus(`${what}: done`);
    } catch (error) {
      mount(result, errorLine(describeError(error), what));
      showError(error, what);
    }
  };
  const remove = async (c: { kind: Kind; value: string }) => {
    const ok = await confirmAction({ title: `Remove the execution on ${describeCondition(c)}?`, body: [h("p", {}, "Its targets stop getting these events.")], confirmLabel: "Remove execution" });
    if (ok) await set("Remove execution", c.kind, c.value, []);
  };

  const kind = select("condition-kind", [["group", "a group (user, org, …)"], ["event", "one event type"], ["all", "every event"]], "group");
  const value = h("input", { id: "condition-value", value: "user", autocomplete: "off" }) as HTMLInputElement;
  kind.addEventListener("change", () => (value.disabled = kind.value === "all"));
  const boxes = [...targetNames].map(([id, name]) => h("input", { type: "checkbox", value: id, id: `exec-target-${id}` }) as HTMLInputElement);
  const result = h("p", { "aria-live": "polite" });
  const submit = (event: Event) => {
    event.preventDefault();
    const targets = boxes.filter((b) => b.checked).map((b) => b.value);
    if (targets.length === 0) return mount(result, errorLine({ code: "InvalidArgument", message: "choose at least one target" }));
    void set("Set execution", kind.value as Kind, value.value.trim(), targets);
  };
  mount(
    main,
    h("h2", {}, "Executions"),
    h("p", { class: "muted" }, "Each sends the events of its condition to its ", h("a", { href: "#/targets" }, "targets"), ", signed, as they happen."),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "executions" },
        h("thead", {}, h("tr", {}, ...["Condition", "Targets", "Changed", ""].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          ...executions.map((e) => {
            const c = conditionOf(e);
            return h(
              "tr",
              {},
              h("td", {}, c ? describeCondition(c) : "(not an event condition)"),
              h("td", {}, ...e.targets.flatMap((t, i) => [i > 0 ? ", " : "", h("a", { href: `#/targets/${encodeURIComponent(t)}` }, targetNames.get(t) ?? t)])),
              h("td", { class: "details" }, formatDate(e.changeDate)),
              h("td", {}, c && h("button", { class: "danger", "aria-label": `Remove the execution on ${describeCondition(c)}`, onclick: () => void remove(c) }, "Remove")),
            );
          }),
        ),
      ),
    ),
    executions.length === 0 ? h("p", { class: "muted" }, "No executions yet.") : undefined,
    h("h3", {}, "Set an execution"),
    h("p", { class: "muted" }, "Setting one on a condition that has one already replaces its targets."),
    boxes.length === 0
      ? h("p", {}, "Create a ", h("a", { href: "#/targets" }, "target"), " first.")
      : h(
          "form",
          { onsubmit: submit },
          h("div", { class: "inline" }, h("div", {}, h("label", { for: "condition-kind" }, "On"), kind), h("div", {}, h("label", { for: "condition-value" }, "Event type or group"), value)),
          h("fieldset", {}, h("legend", {}, "Targets"), ...boxes.map((b) => h("label", {}, b, ` ${targetNames.get(b.value)}`))),
          h("button", { type: "submit" }, "Set execution"),
        ),
    result,
  );
}

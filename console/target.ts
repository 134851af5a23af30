import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Delivery, type DeliveryAttempt, DeliveryState, type GetDeliveryStatusResponse } from "../gen/lifecycle/delivery/v1/delivery_service_pb.js";
import type { Target } from "../gen/zitadel/action/v2/target_pb.js";
import { formatDate } from "./api.js";
import { actions, delivery } from "./delivery-api.js";
import { badge, h, mount } from "./dom.js";
import { errorLine, showError, showStatus } from "./feedback.js";
import { showNotAllowed } from "./not-allowed.js";
import { timeoutSeconds } from "./targets.js";

const LOG_SIZE = 50;

/** #/targets/<id>: the target's settings, its state and lag, its delivery log and dead letters, redelivery. */
export async function targetView(main: HTMLElement, id: string): Promise<void> {
  let target: Target | undefined;
  let status: GetDeliveryStatusResponse;
  try {
    [target, status] = await Promise.all([actions.getTarget({ id }).then((r) => r.target), delivery.getDeliveryStatus({ targetId: id })]);
  } catch (error) {
    if (showNotAllowed(main, "Action target", error)) return;
    throw error;
  }
  if (!target) throw new Error("the server answered without the target");
  const [{ attempts }, { deliveries: dead }] = await Promise.all([
    delivery.listDeliveryAttempts({ targetId: id, limit: LOG_SIZE }),
    delivery.listDeliveries({ targetId: id, state: DeliveryState.DEAD, limit: LOG_SIZE }),
  ]);
  const reload = () => targetView(main, id);
  const run = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      await reload();
      showStatus(`${what}: done`);
    } catch (error) {
      showError(error, what);
    }
  };
  mount(
    main,
    h("h2", {}, `Target ${target.name} `, badge(status.active ? "active" : "disabled")),
    h("p", { class: "details" }, `target ${target.id} · created ${formatDate(target.creationDate)} · changed ${formatDate(target.changeDate)}`),
    statusBox(status, () => void run("Enable", () => actions.updateTarget({ id }))),
    settingsForm(target, run),
    h("h3", {}, "Delivery log"),
    h("p", { class: "row" }, h("button", { class: "secondary", onclick: () => void reload() }, "Refresh")),
    attemptsTable(attempts, (position) => void run("Redeliver", () => delivery.redeliver({ targetId: id, position }))),
    h("h3", {}, "Dead letters"),
    deadTable(dead, (position) => void run("Redeliver", () => delivery.redeliver({ targetId: id, position }))),
    dead.length > 0 ? h("p", {}, h("button", { onclick: () => void run("Redeliver dead letters", () => delivery.redeliverDeadLetters({ targetId: id })) }, "Redeliver all dead letters")) : undefined,
    replayForm(id, run),
  );
}

function statusBox(s: GetDeliveryStatusResponse, enable: () => void): HTMLElement {
  const why = s.disabledReason === "gone" ? "its receiver answered 410 Gone" : s.disabledReason === "failures" ? "its deliveries failed for too long" : "it was disabled";
  return h(
    "section",
    { id: "delivery-status", "aria-label": "Delivery status" },
    s.active
      ? undefined
      : h("p", { id: "disabled-reason" }, h("strong", {}, `Disabled: ${why}`), ` (${s.disabledDetail}, ${formatDate(s.disabledTime)}). Events wait until it is enabled again. `, h("button", { onclick: enable }, "Enable again")),
    h("p", { id: "lag" }, `Lag: ${s.lagEvents} event${s.lagEvents === 1n ? "" : "s"} not yet delivered`, s.lagEvents > 0n ? `, the oldest ${s.lagSeconds.toFixed(1)} s old` : "", ` · dead letters: ${s.deadLetters} · failed attempts in a row: ${s.consecutiveFailures}`),
  );
}

function settingsForm(t: Target, run: (what: string, call: () => Promise<unknown>) => Promise<void>): HTMLElement {
  const endpoint = h("input", { id: "edit-endpoint", type: "url", required: true, value: t.endpoint }) as HTMLInputElement;
  const timeout = h("input", { id: "edit-timeout", type: "number", min: 1, max: 270, required: true, value: timeoutSeconds(t) }) as HTMLInputElement;
  const save = (event: Event) => {
    event.preventDefault();
    void run("Save target", () => actions.updateTarget({ id: t.id, endpoint: endpoint.value.trim(), timeout: durationFromMs(Number(timeout.value) * 1000) }));
  };
  return h(
    "form",
    { class: "inline", onsubmit: save, "aria-label": "Target settings" },
    h("div", {}, h("label", { for: "edit-endpoint" }, "Endpoint"), endpoint),
    h("div", {}, h("label", { for: "edit-timeout" }, "Timeout (seconds)"), timeout),
    h("button", { type: "submit" }, "Save"),
  );
}

function attemptsTable(attempts: DeliveryAttempt[], redeliver: (position: bigint) => void): HTMLElement {
  if (attempts.length === 0) return h("p", { class: "muted", id: "no-attempts" }, "No attempts yet.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "attempts" },
      h("thead", {}, h("tr", {}, ...["Event", "Attempt", "Outcome", "Status", "Latency", "Error", "Time", ""].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        ...attempts.map((a) =>
          h(
            "tr",
            { "data-position": String(a.position), "data-outcome": a.outcome },
            h("td", {}, String(a.position)),
            h("td", {}, a.attempt),
            h("td", {}, badge(a.outcome)),
            h("td", {}, a.statusCode || "–"),
            h("td", {}, `${a.latencyMs} ms`),
            h("td", { class: "details" }, a.error || "–"),
            h("td", { class: "details" }, formatDate(a.time)),
            h("td", {}, h("button", { class: "secondary", "aria-label": `Redeliver event ${a.position}`, onclick: () => redeliver(a.position) }, "Redeliver")),
          ),
        ),
      ),
    ),
  );
}

function deadTable(dead: Delivery[], redeliver: (position: bigint) => void): HTMLElement {
  if (dead.length === 0) return h("p", { class: "muted", id: "no-dead-letters" }, "No dead letters.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "dead-letters" },
      h("thead", {}, h("tr", {}, ...["Event", "Type", "Aggregate", "Attempts", "Last status", "Last error", ""].map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        ...dead.map((d) =>
          h(
            "tr",
            { "data-position": String(d.position) },
            h("td", {}, String(d.position)),
            h("td", {}, d.eventType),
            h("td", { class: "details" }, `${d.aggregateType} ${d.aggregateId}`),
            h("td", {}, d.attempts),
            h("td", {}, d.lastStatusCode || "–"),
            h("td", { class: "details" }, d.lastError || "–"),
            h("td", {}, h("button", { class: "secondary", "aria-label": `Redeliver dead letter ${d.position}`, onclick: () => redeliver(d.position) }, "Redeliver")),
          ),
        ),
      ),
    ),
  );
}

function replayForm(targetId: string, run: (what: string, call: () => Promise<unknown>) => Promise<void>): HTMLElement {
  const position = h("input", { id: "replay-position", type: "number", min: 1 }) as HTMLInputElement;
  const time = h("input", { id: "replay-time", type: "datetime-local" }) as HTMLInputElement;
  const result = h("p", { "aria-live": "polite" });
  const replay = (event: Event) => {
    event.preventDefault();
    const from = position.value ? { case: "position" as const, value: BigInt(position.value) } : time.value ? { case: "time" as const, value: timestampFromDate(new Date(time.value)) } : undefined;
    if (!from) return mount(result, errorLine({ code: "InvalidArgument", message: "give a position or a time to replay from" }));
    void run("Replay", () => delivery.replay({ targetId, from }));
  };
  return h(
    "section",
    { "aria-label": "Replay" },
    h("h3", {}, "Replay"),
    h("p", { class: "muted" }, "Send every matching event again from a position in the log or from a time (yours), in the log's order."),
    h(
      "form",
      { class: "inline", onsubmit: replay },
      h("div", {}, h("label", { for: "replay-position" }, "From position"), position),
      h("div", {}, h("label", { for: "replay-time" }, "or from time"), time),
      h("button", { type: "submit" }, "Replay"),
    ),
    result,
  );
}

import type { Details } from "../gen/zitadel/object/v2/object_pb.js";
import { describeError, formatDate, type ShownError } from "./api.js";
import { h, mount, type Child } from "./dom.js";

/** How long a status message stays; errors stay until dismissed or the page changes. */
export const STATUS_MS = 8_000;

const alertRegion = () => document.getElementById("alert")!;
const statusRegion = () => document.getElementById("status")!;
let statusTimer: ReturnType<typeof setTimeout> | undefined;

export function errorLine(error: ShownError, what?: string): HTMLElement {
  return h(
    "p",
    { class: "error-line" },
    h("strong", {}, what ? `${what} failed: ` : "", `${error.code}: ${error.message}`),
    error.reason ? " " : undefined,
    error.reason ? h("code", { class: "reason", "data-testid": "reason" }, error.reason) : undefined,
  );
}

/** An error goes to the top of the page, where the eye and the keyboard focus are taken. */
export function showError(error: unknown, what?: string): void {
  const shown = isShown(error) ? error : describeError(error);
  const region = alertRegion();
  mount(region, errorLine(shown, what), dismissButton(region));
  window.scrollTo({ top: 0 });
  region.focus();
}

/** Several failures of one bulk action, each with its own reason id. */
export function showErrors(failures: { what: string; error: ShownError }[]): void {
  if (failures.length === 1) return showError(failures[0].error, failures[0].what);
  const region = alertRegion();
  mount(
    region,
    h("p", {}, h("strong", {}, `${failures.length} actions failed:`)),
    h("ul", {}, ...failures.map((f) => h("li", {}, errorLine(f.error, f.what)))),
    dismissButton(region),
  );
  window.scrollTo({ top: 0 });
  region.focus();
}

/** A short message that tells everyone (screen readers too) what just happened; it expires. */
export function showStatus(...children: Child[]): void {
  clearTimeout(statusTimer);
  mount(statusRegion(), ...children);
  statusTimer = setTimeout(() => mount(statusRegion()), STATUS_MS);
}

let carried: Child[] | undefined;

/** A status for the page being navigated to (what was created, where the user now looks at it). */
export function showStatusOnNextPage(...children: Child[]): void {
  carried = children;
}

/** A new page starts without the last page's messages. */
export function clearFeedback(): void {
  clearTimeout(statusTimer);
  mount(alertRegion());
  mount(statusRegion());
  if (carried) showStatus(...carried);
  carried = undefined;
}

export function detailsLine(what: string, details: Details | undefined): HTMLElement {
  return h(
    "span",
    { class: "details", "data-testid": "details" },
    `${what} · sequence ${details?.sequence ?? "–"} · changed ${formatDate(details?.changeDate)}`,
  );
}

const dismissButton = (region: HTMLElement) => h("button", { class: "secondary", onclick: () => (mount(region), document.getElementById("main")?.focus()) }, "Dismiss");

const isShown = (e: unknown): e is ShownError => typeof e === "object" && e !== null && "code" in e && typeof (e as ShownError).code === "string" && "message" in e && !(e instanceof Error);

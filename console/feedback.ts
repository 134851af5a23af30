import type { Details } from "../gen/zitadel/object/v2/object_pb.js";
import { formatDate } from "./api.js";
import { announce, h } from "./dom.js";

export function errorLine(error: { code: string; message: string; reason?: string }): HTMLElement {
  return h("span", { class: "error" }, `${error.code}: ${error.message}`, error.reason ? h("span", { class: "reason" }, ` [${error.reason}]`) : undefined);
}

export function detailsLine(what: string, details: Details | undefined): HTMLElement {
  return h(
    "span",
    { class: "details", "data-testid": "details" },
    `${what} · sequence ${details?.sequence ?? "–"} · changed ${formatDate(details?.changeDate)}`,
  );
}

export const announceError = (error: { code: string; message: string; reason?: string }) => announce(errorLine(error));

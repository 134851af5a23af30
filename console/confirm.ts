import { type Child, h } from "./dom.js";

export interface Confirmation {
  title: string;
  body: Child[];
  confirmLabel: string;
  /** The confirm button stays disabled until exactly this text is typed (an organization's name). */
  typeToConfirm?: string;
}

/**
 * Asks before a destructive or lock-out-capable action, in a modal dialog: Cancel has the focus (or the
 * text field when a name must be typed), Escape cancels. Resolves true only on an explicit confirmation.
 */
export function confirmAction(c: Confirmation): Promise<boolean> {
  const typed = c.typeToConfirm === undefined ? undefined : (h("input", { id: "confirm-typed", autocomplete: "off", spellcheck: "false" }) as HTMLInputElement);
  const confirmButton = h("button", { type: "submit", class: "danger", disabled: typed !== undefined }, c.confirmLabel) as HTMLButtonElement;
  const cancel = h("button", { type: "button", class: "secondary", autofocus: typed === undefined }, "Cancel");
  const matches = () => typed === undefined || typed.value === c.typeToConfirm;
  typed?.addEventListener("input", () => (confirmButton.disabled = !matches()));
  const form = h(
    "form",
    {},
    h("h2", { id: "confirm-title" }, c.title),
    h("div", { id: "confirm-body" }, ...c.body),
    typed && h("label", { for: "confirm-typed" }, "Type ", h("strong", {}, c.typeToConfirm!), " to confirm"),
    typed,
    h("div", { class: "row" }, cancel, confirmButton),
  );
  const dialog = h("dialog", { "aria-labelledby": "confirm-title", "aria-describedby": "confirm-body" }, form) as HTMLDialogElement;
  return new Promise((resolve) => {
    cancel.addEventListener("click", () => dialog.close("cancel"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (matches()) dialog.close("confirm");
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "confirm");
    });
    document.body.append(dialog);
    dialog.showModal();
    typed?.focus();
  });
}

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/** Creates an element; text children become text nodes (never HTML), `on…` attributes become listeners. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null && child !== false) el.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  return el;
}

export function mount(parent: HTMLElement, ...children: Child[]): void {
  parent.replaceChildren();
  for (const child of children) if (child !== undefined && child !== null && child !== false) parent.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
}

export function badge(state: string): HTMLElement {
  return h("span", { class: `badge ${state}` }, state);
}

/** Tells screen readers and everyone else what just happened. */
export function announce(...children: Child[]): void {
  mount(document.getElementById("status")!, ...children);
}

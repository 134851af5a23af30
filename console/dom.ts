export type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/** Creates an element; text children become text nodes (never HTML), `on…` attributes become listeners. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function mount(parent: HTMLElement, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

function append(parent: HTMLElement, children: Child[]) {
  for (const child of children) if (child !== undefined && child !== null && child !== false) parent.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
}

export function badge(state: string): HTMLElement {
  return h("span", { class: `badge ${state}` }, state);
}

/** A labelled <select>; `value` is preselected. */
export function select(id: string, options: [value: string, label: string][], value: string, onchange?: (value: string) => void): HTMLSelectElement {
  const el = h("select", { id, onchange: onchange && ((e) => onchange((e.target as HTMLSelectElement).value)) }, ...options.map(([v, label]) => h("option", { value: v, selected: v === value }, label))) as HTMLSelectElement;
  return el;
}

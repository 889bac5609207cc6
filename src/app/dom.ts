/** Small DOM helpers for the app: element builder, downloads, focus-safe clearing. */

/** Attributes and properties {@link h} understands. */
export interface HAttrs {
  readonly class?: string;
  readonly id?: string;
  readonly text?: string;
  readonly title?: string;
  readonly type?: string;
  readonly for?: string;
  readonly role?: string;
  readonly hidden?: boolean;
  readonly disabled?: boolean;
  readonly value?: string;
  readonly dataset?: Readonly<Record<string, string>>;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly on?: { readonly [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

/** A child of {@link h}: an element, text, or nothing. */
export type HChild = Node | string | number | null | undefined | false;

/** Creates an HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: HAttrs = {}, children: readonly HChild[] = []): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs.class) el.className = attrs.class;
  if (attrs.id) el.id = attrs.id;
  if (attrs.text !== undefined) el.textContent = attrs.text;
  if (attrs.title) el.title = attrs.title;
  if (attrs.type) el.setAttribute('type', attrs.type);
  if (attrs.for) el.setAttribute('for', attrs.for);
  if (attrs.role) el.setAttribute('role', attrs.role);
  if (attrs.hidden) el.hidden = true;
  if (attrs.disabled) el.setAttribute('disabled', '');
  if (attrs.value !== undefined) (el as HTMLInputElement).value = attrs.value;
  for (const [k, v] of Object.entries(attrs.dataset ?? {})) el.dataset[k] = v;
  for (const [k, v] of Object.entries(attrs.attrs ?? {})) el.setAttribute(k, v);
  for (const [name, fn] of Object.entries(attrs.on ?? {})) el.addEventListener(name, fn as EventListener);
  append(el, children);
  return el;
}

/** Appends children, turning strings and numbers into text nodes and skipping empty ones. */
export function append(parent: Node, children: readonly HChild[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, children: readonly HChild[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Offers `data` as a file download (a blob URL; nothing leaves the machine). */
export function download(filename: string, data: string, mime: string): void {
  downloadBlob(filename, new Blob([data], { type: mime }));
}

/** Offers a Blob as a file download. */
export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { attrs: { href: url, download: filename } });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * A table in a box that scrolls sideways when the table is wider than the page. The box is a
 * labelled, focusable region (keyboard users scroll it with the arrow keys), and a hint line
 * appears while the table overflows, so a narrow screen says that more columns are there.
 */
export function scrollTable(table: HTMLTableElement, label: string, extraClass = ''): HTMLElement {
  const hint = h('p', { class: 'scroll-hint', hidden: true, attrs: { 'aria-hidden': 'true' }, text: 'Scroll sideways for more columns ⇆' });
  const box = h('div', { class: `table-wrap ${extraClass}`.trim(), role: 'region', attrs: { 'aria-label': label, tabindex: '0' } }, [table]);
  const wrap = h('div', { class: 'table-scroll' }, [hint, box]);
  const update = (): void => {
    const over = box.scrollWidth > box.clientWidth + 1;
    hint.hidden = !over;
    wrap.dataset.overflow = String(over);
  };
  new ResizeObserver(update).observe(box);
  new MutationObserver(update).observe(table, { childList: true, subtree: true });
  return wrap;
}

let uid = 0;
/** A document-unique id with a readable prefix. */
export function uniqueId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled <select>; returns the wrapper and the select. */
export function labelledSelect(label: string, options: readonly (readonly [string, string])[], value: string, onChange?: (v: string) => void): { wrap: HTMLElement; select: HTMLSelectElement } {
  const id = uniqueId('sel');
  const select = h('select', { id }, options.map(([v, text]) => h('option', { value: v, text })));
  select.value = value;
  if (onChange) select.addEventListener('change', () => onChange(select.value));
  return { wrap: h('div', { class: 'field' }, [h('label', { for: id, text: label }), select]), select };
}

/** A labelled checkbox; returns the wrapper and the input. */
export function labelledCheckbox(label: string, checked: boolean, onChange?: (v: boolean) => void): { wrap: HTMLElement; input: HTMLInputElement } {
  const id = uniqueId('chk');
  const input = h('input', { id, type: 'checkbox' });
  input.checked = checked;
  if (onChange) input.addEventListener('change', () => onChange(input.checked));
  return { wrap: h('div', { class: 'check' }, [input, h('label', { for: id, text: label })]), input };
}

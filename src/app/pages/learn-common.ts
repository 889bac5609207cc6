/** Pieces shared by the Learn lessons: small tables, bits drawn as labelled boxes, number formats. */
import { h, scrollTable, type HChild } from '../dom.js';
import { sig } from '../format.js';

/** A small table (header row + rows) in a scroll box. */
export function miniTable(caption: string, head: readonly string[], rows: readonly (readonly HChild[])[], cls = ''): HTMLElement {
  // The caption sits above the scroll box, so a narrow screen shows it whole.
  return h('div', { class: 'mini-table' }, [
    h('p', { class: 'table-caption', text: caption }),
    scrollTable(
      h('table', { class: `results small ${cls}`.trim(), attrs: { 'aria-label': caption } }, [
        h('thead', {}, [h('tr', {}, head.map((c) => h('th', { text: c, attrs: { scope: 'col' } })))]),
        h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, [c]))))),
      ]),
      caption,
    ),
  ]);
}

/** Bits as boxes, each with a small label under it (bit position, or the weight k it comes from). */
export function bitBoxes(bits: readonly { readonly label: string; readonly bit: number }[], title?: string): HTMLElement {
  return h(
    'span',
    { class: 'bitboxes', role: 'img', attrs: { 'aria-label': `${title ? `${title}: ` : ''}${bits.map((b) => `${b.label} = ${b.bit}`).join(', ')}` } },
    bits.map((b) => h('span', { class: `bitbox b${b.bit}` }, [h('span', { class: 'bitval', text: String(b.bit) }), h('span', { class: 'bitlab', text: b.label })])),
  );
}

/** A number as the lessons print it: 5 significant digits, −0 kept, a true minus sign. */
export function fmt(v: number, digits = 5): string {
  if (Object.is(v, -0)) return '−0';
  return sig(v, digits).replace(/^-/, '−');
}

/** A paragraph of running text. */
export function para(...children: HChild[]): HTMLElement {
  return h('p', {}, children);
}

/** A formula line (monospace). */
export function formula(text: string): HTMLElement {
  return h('p', { class: 'formula-line' }, [h('code', { text })]);
}

/** The check table of a walkthrough: each number exact in a data attribute (tests read them). */
export function checkTable(caption: string, rows: readonly { label: string; walk: number; kernel: number; oracle: number }[], cls: string, kernelName: string): HTMLElement {
  const cell = (v: number, key: string): HChild => h('span', { dataset: { [key]: String(v) }, title: `exact: ${v}`, text: fmt(v, 7) });
  return miniTable(
    caption,
    ['', 'walkthrough', kernelName, 'f64 oracle', 'walkthrough = kernel', '|kernel − oracle|'],
    rows.map((r) => [
      r.label,
      cell(r.walk, 'walk'),
      cell(r.kernel, 'kernel'),
      cell(r.oracle, 'oracle'),
      Object.is(r.walk, r.kernel) ? h('span', { class: 'ok-line', text: '✓ bit-exact' }) : h('span', { class: 'error', text: '✗ differs' }),
      fmt(Math.abs(r.kernel - r.oracle), 3),
    ]),
    cls,
  );
}

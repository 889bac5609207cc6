/**
 * Learn: bit-serial arithmetic (BitMoD). The term table of a datatype from the bitserial
 * kernel's own `bitSerialTerms` (every value as a few signed powers of two), then a tiny dot
 * product done term plane by term plane with one rescale per group, checked against the
 * library's bitserial kernel and the f64 oracle.
 */
import { bitSerialSupport, bitSerialTerms, matmulBitSerial, type BitSerialTerm } from '../../cpu/bitserial.js';
import { matmulRef } from '../../cpu/matmul-ref.js';
import { DTYPE_NAMES, getDType } from '../../dtype/registry.js';
import { unpackCodes } from '../../format/pack.js';
import { sampleWeights } from '../../io/sample.js';
import { quantize } from '../../quant/quantize.js';
import { getScheme } from '../../quant/schemes.js';
import { h, labelledSelect, replace, type HChild } from '../dom.js';
import { sig } from '../format.js';

/** Datatypes offered: integer-grid types of at most 4 bits (small enough to list). */
const MAX_LISTED_BITS = 4;
/** The tiny example: x [1, 8] and one row of W in one group. */
const BS_X = Float32Array.from([0.5, -1.25, 2, 0.75, -0.5, 1.5, -2.25, 1]);
const BS_K = BS_X.length;
const BS_SEED = 11;
const BS_SCHEMES = ['bitmod4', 'bitmod3', 'fp4', 'fp3', 'int4', 'int3', 'ternary'];

/** "+2^3 +2^1" for a term list. */
export function termsText(terms: readonly BitSerialTerm[]): string {
  if (terms.length === 0) return '0';
  return terms.map((t) => `${t.sign < 0 ? '−' : '+'}2^${t.shift}`).join(' ');
}

/** Mounts the bit-serial walkthrough into `box`. */
export function mountBitSerial(box: HTMLElement): void {
  const dtypes = DTYPE_NAMES.filter((n) => getDType(n).grid !== undefined && getDType(n).bits <= MAX_LISTED_BITS);
  const dtSel = labelledSelect('Datatype', dtypes.map((n) => [n, n] as const), 'fp4_er_pos', () => renderTable());
  const schemeSel = labelledSelect(
    'Example scheme',
    BS_SCHEMES.filter((s) => bitSerialSupport(s) === true).map((s) => [s, s] as const),
    'bitmod4',
    () => renderExample(),
  );
  const tableBox = h('div');
  const exampleBox = h('div');
  replace(box, [
    h('p', {
      text: 'A bit-serial PE multiplies by shifting and adding: each weight is an integer q of its grid unit, written as a few signed powers of two, and x·q = Σ ±(x << shift). lowbit picks the encoding per grid: plain binary when every |q| has at most two set bits (every BitMoD FP3/FP4 value), radix-4 Booth digits otherwise (int4: 7 = 8 − 1).',
    }),
    h('div', { class: 'row' }, [dtSel.wrap]),
    tableBox,
    h('h4', { text: 'A dot product, term plane by term plane' }),
    h('div', { class: 'row' }, [schemeSel.wrap]),
    exampleBox,
  ]);

  function renderTable(): void {
    const t = bitSerialTerms(dtSel.select.value);
    const rows = t.codes.map((c) =>
      h('tr', {}, [
        h('td', { class: 'num', text: String(c.code) }),
        h('td', { class: 'num', text: c.valid ? String(c.value) : 'unused' }),
        h('td', { class: 'num', text: c.valid ? String(c.q) : '–' }),
        h('td', {}, [h('code', { text: c.valid ? termsText(c.terms) : '–' })]),
        h('td', { class: 'num', text: c.valid ? String(c.terms.length) : '–' }),
      ]),
    );
    replace(tableBox, [
      h('p', { class: 'muted', text: `${t.dtype}: unit ${t.unit}, ${t.encoding} encoding, at most ${t.maxTerms} term(s) per weight, κ = ${sig(t.kappa, 3)} (Σ 2^shift ÷ |q|, which scales the error bound).` }),
      h('div', { class: 'table-wrap' }, [
        h('table', { class: 'results small', id: 'bitserial-terms' }, [
          h('caption', { text: `bitSerialTerms('${t.dtype}')` }),
          h('thead', {}, [h('tr', {}, ['code', 'value', 'q (units)', 'terms', '#'].map((x) => h('th', { text: x, attrs: { scope: 'col' } })))]),
          h('tbody', {}, rows),
        ]),
      ]),
    ]);
  }

  function renderExample(): void {
    replace(exampleBox, example(schemeSel.select.value));
  }

  renderTable();
  renderExample();
}

/** The tiny bit-serial dot product for one scheme. */
function example(scheme: string): HChild[] {
  const w = sampleWeights({ rows: 1, cols: BS_K, seed: BS_SEED }).data;
  const qt = quantize(w, 1, BS_K, scheme, { group: BS_K });
  const codes = unpackCodes(qt.codes, 1, BS_K, qt.bits);
  const et = qt.elementTypes[qt.dtypeIds ? (qt.dtypeIds[0] as number) : 0] as string;
  const table = bitSerialTerms(et);
  const terms = Array.from(codes, (c) => (table.codes[c] as { terms: readonly BitSerialTerm[] }).terms);
  const planes = Math.max(1, ...terms.map((t) => t.length));
  const f = Math.fround;
  const planeSums: number[] = [];
  const planeText: string[] = [];
  for (let p = 0; p < planes; p++) {
    let acc = 0;
    const parts: string[] = [];
    for (let k = 0; k < BS_K; k++) {
      const t = terms[k]?.[p];
      if (!t) continue;
      acc = f(acc + t.sign * (BS_X[k] as number) * 2 ** t.shift);
      parts.push(`${t.sign < 0 ? '−' : '+'}x${k}<<${t.shift}`);
    }
    planeSums.push(acc);
    planeText.push(`plane ${p}: ${parts.join(' ') || '(no terms)'} = ${sig(acc, 5)}`);
  }
  let total = 0;
  for (const v of planeSums) total = f(total + v);
  const scale = qt.scales[0] as number;
  const y = f(total * f(scale * table.unit));
  const kernel = matmulBitSerial(BS_X, 1, qt)[0] as number;
  const oracle = matmulRef(BS_X, qt, 1).y[0] as number;
  const out: HChild[] = [
    h('p', {
      text: `x = [${Array.from(BS_X).join(', ')}]; one row of W (sampleWeights, seed ${BS_SEED}) quantized with ${scheme} in one group of ${BS_K}${qt.dtypeIds ? `, which chose ${et}` : ''}: scale ${sig(scale, 4)}, unit ${table.unit}. ${getScheme(scheme).description}.`,
    }),
  ];
  out.push(
    h('div', { class: 'table-wrap' }, [
      h('table', { class: 'results small' }, [
        h('thead', {}, [h('tr', {}, ['k', 'x_k', 'code', 'q', 'terms'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
        h(
          'tbody',
          {},
          Array.from(codes, (c, k) => {
            const e = table.codes[c];
            return h('tr', {}, [
              h('td', { class: 'num', text: String(k) }),
              h('td', { class: 'num', text: String(BS_X[k]) }),
              h('td', { class: 'num', text: String(c) }),
              h('td', { class: 'num', text: String(e?.q ?? '') }),
              h('td', {}, [h('code', { text: termsText(e?.terms ?? []) })]),
            ]);
          }),
        ),
      ]),
    ]),
    h('ul', { class: 'lookup-list' }, [
      ...planeText.map((t) => h('li', {}, [h('code', { text: t })])),
      h('li', {}, [h('code', { text: `Σ planes = ${sig(total, 5)}; × scale·unit = ${sig(scale, 4)} × ${table.unit} (once per group) → y = ${sig(y, 5)}` })]),
    ]),
    h('div', { class: 'table-wrap' }, [
      h('table', { class: 'results small bs-check' }, [
        h('caption', { text: 'y three ways' }),
        h('thead', {}, [h('tr', {}, ['walkthrough', 'bitserial kernel', 'f64 oracle', '|kernel − oracle|'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
        h('tbody', {}, [h('tr', {}, [sig(y, 6), sig(kernel, 6), sig(oracle, 6), sig(Math.abs(kernel - oracle), 3)].map((t) => h('td', { class: 'num', text: t })))]),
      ]),
    ]),
  );
  return out;
}

/**
 * Learn: bit-serial arithmetic (BitMoD). The term table of a datatype (the bitserial kernel's own
 * bitSerialTerms: every value an integer q of the grid's unit, q a sum of signed powers of two),
 * then a tiny dot product term plane by term plane on integers (x · (±2^s)), the four lane sums
 * of the kernel, one rescale per group, and the check against the kernel and the f64 oracle.
 */
import { bitSerialTerms, type BitSerialTerm } from '../../cpu/bitserial.js';
import { DTYPE_NAMES, getDType } from '../../dtype/registry.js';
import { getScheme } from '../../quant/schemes.js';
import { h, labelledSelect, replace } from '../dom.js';
import { stepper, type Step } from '../stepper.js';
import { BS_K, BS_LANES, BS_SCHEMES, BS_SEED, BS_X, bitSerialExample, type BitSerialExample } from '../learn/bitserial-example.js';
import { checkTable, fmt, formula, miniTable, para } from './learn-common.js';
import { powerOfTwoLabel } from '../charts/ticks.js';

/** Words for the first few term planes. */
const ORDINALS: readonly string[] = ['first', 'second', 'third', 'fourth'];

/** Datatypes offered: integer-grid types of at most 4 bits (small enough to list). */
const MAX_LISTED_BITS = 4;

/** "+2³ +2¹" style text for a term list: each term as ±2^s. */
export function termsText(terms: readonly BitSerialTerm[]): string {
  if (terms.length === 0) return '0';
  return terms.map((t) => `${t.sign < 0 ? '−' : '+'}${powerOfTwoLabel(t.shift)}`).join(' ');
}

/** Mounts the walkthrough into `box`. */
export function mountBitSerial(box: HTMLElement): void {
  const dtypes = DTYPE_NAMES.filter((n) => getDType(n).grid !== undefined && getDType(n).bits <= MAX_LISTED_BITS);
  const dtSel = labelledSelect('Datatype of the term table', dtypes.map((n) => [n, n] as const), 'fp4_er_pos', () => renderTable());
  const schemeSel = labelledSelect('Example scheme', BS_SCHEMES.map((s) => [s, s] as const), 'bitmod4', () => renderExample());
  const tableBox = h('div');
  const exampleBox = h('div');
  replace(box, [
    para(
      'A bit-serial processing element multiplies by shifting and adding. Each weight is an integer q of its grid unit (value = q · unit · scale), and q is written as a few signed powers of two, so x · q = Σ ±x · 2^s, one term per cycle. lowbit picks the encoding per grid: plain binary when every |q| has at most two set bits (every BitMoD FP3/FP4 value), radix-4 Booth digits otherwise (int4: 7 = 2³ − 2⁰).',
    ),
    h('div', { class: 'row' }, [dtSel.wrap]),
    tableBox,
    h('h4', { text: 'A dot product, term plane by term plane' }),
    h('div', { class: 'row' }, [schemeSel.wrap]),
    exampleBox,
  ]);

  function renderTable(): void {
    const t = bitSerialTerms(dtSel.select.value);
    replace(tableBox, [
      h('p', { class: 'muted', text: `${t.dtype}: unit ${t.unit}, ${t.encoding} encoding, at most ${t.maxTerms} term(s) per weight, κ = ${fmt(t.kappa, 3)} (Σ 2^s ÷ |q|, which scales the error bound).` }),
      miniTable(
        `bitSerialTerms('${t.dtype}'): code → integer q → terms`,
        ['code', 'value', 'q (units)', 'q as terms', '#'],
        t.codes.map((c) => [String(c.code), c.valid ? fmt(c.value) : 'unused', c.valid ? String(c.q) : '–', h('code', { text: c.valid ? `${fmt(c.q)} = ${termsText(c.terms)}` : '–' }), c.valid ? String(c.terms.length) : '–']),
        'bitserial-terms',
      ),
    ]);
    (tableBox.querySelector('table') as HTMLTableElement).id = 'bitserial-terms';
  }

  function renderExample(): void {
    replace(exampleBox, [stepper('bitserial', steps(bitSerialExample(schemeSel.select.value)))]);
  }

  renderTable();
  renderExample();
}

function steps(ex: BitSerialExample): Step[] {
  const out: Step[] = [
    {
      title: 'The weights as integers and terms',
      render: () => [
        para(
          `x = [${Array.from(BS_X).map((v) => fmt(v)).join(', ')}]; one row of W (sampleWeights, seed ${BS_SEED}) quantized with ${ex.scheme} in one group of ${BS_K}${ex.qt.dtypeIds ? `, which chose ${ex.elementType}` : ''}: scale ${fmt(ex.scale)}, unit ${ex.unit}. ${getScheme(ex.scheme).description}.`,
        ),
        miniTable(
          'Each weight: code, integer q and its terms',
          ['k', 'x_k', 'code', 'q', 'q as terms'],
          Array.from(ex.codes, (c, k) => [String(k), fmt(BS_X[k] as number), String(c), String(ex.q[k]), h('code', { text: termsText(ex.table.codes[c]?.terms ?? []) })]),
        ),
      ],
    },
  ];
  for (const p of ex.planes) {
    out.push({
      title: `Term plane ${p.plane}`,
      render: () => [
        para(`Plane ${p.plane} takes the ${ORDINALS[p.plane] ?? `${p.plane + 1}th`} term of every weight that has one. Each term is x_k · (±2^s): a shift of x, exact in floating point. The kernel keeps ${BS_LANES} running sums (lane = k mod ${BS_LANES}) and adds them pairwise.`),
        h(
          'ul',
          { class: 'lookup-list' },
          p.terms.map((t) => h('li', {}, [h('code', { text: `k=${t.k}: ${fmt(BS_X[t.k] as number)} · (${t.term.sign < 0 ? '−' : '+'}${powerOfTwoLabel(t.term.shift)}) = ${fmt(t.product)}   → lane ${t.k % BS_LANES}` })])),
        ),
        formula(`lanes = [${p.lanes.map((v) => fmt(v)).join(', ')}];  (s0 + s1) + (s2 + s3) = ${fmt(p.sum)};  Σ planes so far = ${fmt(p.running)}`),
      ],
    });
  }
  out.push(
    {
      title: 'Rescale once per group',
      render: () => [formula(`Σ planes = ${fmt(ex.total)};  × scale · unit = ${fmt(ex.scale)} × ${ex.unit}  →  y = ${fmt(ex.y, 7)}`)],
    },
    {
      title: 'Check against the library',
      render: () => [
        para("The walkthrough's y, the library's bitserial kernel (matmulBitSerial) and the f64 oracle (matmulRef)."),
        checkTable('y three ways', [{ label: 'y', walk: ex.y, kernel: ex.kernel, oracle: ex.oracle }], 'bs-check', 'bitserial kernel'),
      ],
    },
  );
  return out;
}

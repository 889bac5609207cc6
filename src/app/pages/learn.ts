/**
 * Learn: step-by-step walkthroughs driven by the library's real code. LUT mpGEMM on a tiny
 * example (quantize, bit planes, table precompute with symmetrization, lookups, rescale) checked
 * against the library's lut-f32 kernel and the f64 oracle; BitMoD's per-group datatype choice
 * from the real quantizer; and the bit-serial terms of the BitMoD grids.
 */
import { quantize, dequantize } from '../../quant/quantize.js';
import { getScheme } from '../../quant/schemes.js';
import { evaluateScheme } from '../../quant/evaluate.js';
import { unpackCodes } from '../../format/pack.js';
import { toBitPlanes } from '../../format/bitplanes.js';
import type { QuantizedTensor } from '../../format/quantized-tensor.js';
import { buildLutF32, lutDecode, lutSupport, matmulLutF32, LUT_ENTRIES, LUT_GROUP, LUT_HALF, type LutDecode } from '../../cpu/lut.js';
import { matmulRef } from '../../cpu/matmul-ref.js';
import { sampleWeights } from '../../io/sample.js';
import { getDType } from '../../dtype/registry.js';
import { append, h, labelledSelect, replace, uniqueId, type HChild } from '../dom.js';
import { binary, sig } from '../format.js';
import type { AppEnv } from '../env.js';
import { mountBitSerial } from './learn-bitserial.js';

/** The tiny example: X [1, 8], W [2, 8]. */
const LUT_K = 8;
const LUT_N = 2;
const LUT_X = Float32Array.from([0.5, -1.25, 2, 0.75, -0.5, 1.5, -2.25, 1]);
/** Seed of the tiny weight matrix (sampleWeights). */
const LUT_SEED = 7;
const LUT_SCHEMES = ['int2', 'int3', 'int4', 'ternary', 'binary', 'int2_asym', 'int4_asym'];

/** A small table from rows of cells (first row is the header). */
function table(caption: string, rows: readonly (readonly HChild[])[], cls = ''): HTMLElement {
  const [head, ...rest] = rows;
  return h('div', { class: 'table-wrap' }, [
    h('table', { class: `results small ${cls}` }, [
      h('caption', { text: caption }),
      h('thead', {}, [h('tr', {}, (head ?? []).map((c) => h('th', { attrs: { scope: 'col' } }, [c])))]),
      h('tbody', {}, rest.map((r) => h('tr', {}, r.map((c) => h('td', {}, [c]))))),
    ]),
  ]);
}

const fmt = (v: number): string => (Object.is(v, -0) ? '−0' : sig(v, 4));

/** Mounts the Learn page. */
export function mountLearn(root: HTMLElement, _env: AppEnv): void {
  const lutBox = h('div', { class: 'walk' });
  const lutScheme = labelledSelect(
    'Weight scheme',
    LUT_SCHEMES.filter((s) => lutSupport(s) === true).map((s) => [s, `${s}: ${getScheme(s).description}`] as const),
    'int3',
    () => renderLut(),
  );
  lutScheme.select.id = 'learn-lut-scheme';

  const bmBox = h('div', { class: 'walk' });
  const bmScheme = labelledSelect('Mixture', [['bitmod4', 'bitmod4 (four FP4 variants)'], ['bitmod3', 'bitmod3 (four FP3 variants)']], 'bitmod4', () => renderBitmod());
  const groupId = uniqueId('grp');
  const groupInput = h('input', { id: groupId, type: 'number', value: '0', attrs: { min: '0', max: String(BM_GROUPS - 1) } });
  groupInput.addEventListener('input', () => renderBitmod());
  const bsBox = h('div', { class: 'walk', id: 'learn-bitserial' });

  append(root, [
    h('h2', { text: 'Learn low-bit arithmetic' }),
    h('p', { class: 'lede', text: "Each step below is computed by lowbit's own quantizer, bit-plane layout and kernels on a tiny example; the last step checks the walkthrough against the library's kernel and the f64 oracle." }),
    h('nav', { class: 'toc', attrs: { 'aria-label': 'Walkthroughs' } }, [
      h('a', { attrs: { href: '#learn-lut-h' }, text: 'LUT mpGEMM' }),
      ' · ',
      h('a', { attrs: { href: '#learn-bitmod-h' }, text: "BitMoD's per-group datatype" }),
      ' · ',
      h('a', { attrs: { href: '#learn-bitserial-h' }, text: 'Bit-serial terms' }),
    ]),
    h('div', { class: 'panel' }, [h('h3', { id: 'learn-lut-h', text: 'LUT mpGEMM (LUT Tensor Core, T-MAC)' }), lutScheme.wrap, lutBox]),
    h('div', { class: 'panel' }, [
      h('h3', { id: 'learn-bitmod-h', text: "BitMoD: each group picks its datatype" }),
      h('div', { class: 'row' }, [bmScheme.wrap, h('div', { class: 'field' }, [h('label', { for: groupId, text: `Group of the sample (0–${BM_GROUPS - 1})` }), groupInput])]),
      bmBox,
    ]),
    h('div', { class: 'panel' }, [h('h3', { id: 'learn-bitserial-h', text: 'Bit-serial terms (BitMoD)' }), bsBox]),
  ]);
  for (const a of Array.from(root.querySelectorAll<HTMLAnchorElement>('.toc a'))) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const target = root.querySelector(a.getAttribute('href') ?? '');
      target?.scrollIntoView({ block: 'start' });
    });
  }

  function renderLut(): void {
    replace(lutBox, lutWalkthrough(lutScheme.select.value));
  }

  function renderBitmod(): void {
    const g = Math.min(BM_GROUPS - 1, Math.max(0, Math.floor(Number(groupInput.value) || 0)));
    replace(bmBox, bitmodWalkthrough(bmScheme.select.value, g));
  }

  renderLut();
  renderBitmod();
  mountBitSerial(bsBox);
}

/** The LUT walkthrough for one scheme. */
function lutWalkthrough(scheme: string): HChild[] {
  const w = sampleWeights({ rows: LUT_N, cols: LUT_K, seed: LUT_SEED }).data;
  const qt = quantize(w, LUT_N, LUT_K, scheme, { group: LUT_K });
  const dec = lutDecode(qt.elementTypes[0] as string) as LutDecode;
  const codes = unpackCodes(qt.codes, LUT_N, LUT_K, qt.bits);
  const deq = dequantize(qt);
  const bp = toBitPlanes(qt);
  const bits = bp.bits;
  const flip = bp.msbFlipped ? 1 << (bits - 1) : 0;
  const groups = LUT_K / LUT_GROUP;
  const x = LUT_X;
  const out: HChild[] = [];

  // Step 1: quantize.
  out.push(
    h('h4', { text: '1. Quantize the weights' }),
    h('p', { text: `W [${LUT_N} × ${LUT_K}] (sampleWeights, seed ${LUT_SEED}) quantized with ${scheme} in one group per row: code c, scale s${qt.zeros ? ', zero point z' : ''}; w ≈ (decode(c)${qt.zeros ? ' − z' : ''}) · s.` }),
    table(
      'Weights, codes and dequantized values',
      [
        ['row', 'scale', ...(qt.zeros ? ['zero'] : []), ...Array.from({ length: LUT_K }, (_, k) => `k=${k}`)],
        ...Array.from({ length: LUT_N }, (_, r) => [
          String(r),
          fmt(qt.scales[r] as number),
          ...(qt.zeros ? [String(qt.zeros[r])] : []),
          ...Array.from({ length: LUT_K }, (_, k) =>
            h('span', { class: 'cell-stack' }, [h('span', { text: fmt(w[r * LUT_K + k] as number) }), h('code', { text: `c=${codes[r * LUT_K + k]}` }), h('span', { class: 'muted', text: `≈${fmt(deq[r * LUT_K + k] as number)}` })]),
          ),
        ]),
      ],
      'wide',
    ),
  );

  // Step 2: bit planes.
  const a = Array.from({ length: bits }, (_, i) => dec.alpha * 2 ** (i - 1));
  const c0Base = (dec.alpha * (2 ** bits - 1)) / 2 + dec.beta;
  out.push(
    h('h4', { text: '2. Split the codes into bit planes' }),
    h('p', {
      text:
        `Each code becomes an unsigned offset-binary code q${bp.msbFlipped ? ` = c XOR ${flip} (the sign bit flipped)` : ' = c'}; ${scheme}'s grid decodes affinely, value = ${dec.alpha}·q ${dec.beta < 0 ? '−' : '+'} ${Math.abs(dec.beta)}${qt.zeros ? ' − z' : ''} (lutDecode). ` +
        `Plane i holds bit i of every q. With s_i = 2·bit_i − 1 ∈ {−1, +1}: value = Σ_i a_i·s_i + c0, a_i = ${a.map((v, i) => `a${i}=${fmt(v)}`).join(', ')}, c0 = ${fmt(c0Base)}${qt.zeros ? ' − z' : ''}.`,
    }),
    table(
      'Bit planes (toBitPlanes): bit i of q for each weight; 4 consecutive bits form one table index',
      [
        ['row', 'plane', ...Array.from({ length: LUT_K }, (_, k) => `k=${k}`), ...Array.from({ length: groups }, (_, t) => `index t=${t}`)],
        ...Array.from({ length: LUT_N }, (_, r) =>
          Array.from({ length: bits }, (_, i) => {
            const word = bp.planes[(r * bits + i) * bp.wordsPerRow] as number;
            return [
              String(r),
              `i=${i}`,
              ...Array.from({ length: LUT_K }, (_, k) => String((word >>> k) & 1)),
              ...Array.from({ length: groups }, (_, t) => {
                const nib = (word >>> (t * LUT_GROUP)) & (LUT_ENTRIES - 1);
                return h('code', { text: `${binary(nib, LUT_GROUP)} = ${nib}` });
              }),
            ];
          }),
        ).flat(),
      ],
    ),
  );

  // Step 3: tables.
  const T = new Float32Array(groups * LUT_ENTRIES);
  for (let t = 0; t < groups; t++) buildLutF32(x, t * LUT_GROUP, LUT_GROUP, T, t * LUT_ENTRIES);
  out.push(
    h('h4', { text: '3. Precompute one table per 4 activations' }),
    h('p', {
      text: `x = [${Array.from(x).map(fmt).join(', ')}]. For each 4-group t, T_t[idx] = Σ_j s_j(idx)·x_{4t+j} with s_j = +1 when bit j of idx is set, else −1 (buildLutF32). Only the ${LUT_HALF} entries with bit 3 clear are computed, from the pair sums x0 ± x1 and x2 ± x3; the other ${LUT_HALF} are their negations, T[15 − idx] = −T[idx] (symmetrization: exact, because rounding to nearest is odd-symmetric). One table serves every row of W.`,
    }),
    table(
      'Tables T_t (computed entries plain, mirrored entries marked ⇄)',
      [
        ['idx', 'bits', ...Array.from({ length: groups }, (_, t) => `T${t} (x${4 * t}..x${4 * t + 3})`)],
        ...Array.from({ length: LUT_ENTRIES }, (_, idx) => [
          String(idx),
          h('code', { text: binary(idx, LUT_GROUP) }),
          ...Array.from({ length: groups }, (_, t) => {
            const v = T[t * LUT_ENTRIES + idx] as number;
            return idx < LUT_HALF ? fmt(v) : h('span', { class: 'mirrored', title: `= −T[${LUT_ENTRIES - 1 - idx}]`, text: `⇄ ${fmt(v)}` });
          }),
        ]),
      ],
    ),
  );

  // Step 4 and 5: lookups and rescale, then the library kernel and the oracle.
  const yLut = matmulLutF32(x, 1, qt);
  const ref = matmulRef(x, qt, 1);
  let xsum = 0;
  for (let k = 0; k < LUT_K; k++) xsum = Math.fround(xsum + (x[k] as number));
  const rowsOut: HChild[][] = [];
  const steps: HChild[] = [];
  for (let r = 0; r < LUT_N; r++) {
    const parts: string[] = [];
    let p = 0;
    for (let i = 0; i < bits; i++) {
      const word = bp.planes[(r * bits + i) * bp.wordsPerRow] as number;
      let planeSum = 0;
      const looks: string[] = [];
      for (let t = 0; t < groups; t++) {
        const nib = (word >>> (t * LUT_GROUP)) & (LUT_ENTRIES - 1);
        const v = T[t * LUT_ENTRIES + nib] as number;
        looks.push(`T${t}[${nib}] = ${fmt(v)}`);
        planeSum = Math.fround(planeSum + v);
      }
      p = Math.fround(p + (a[i] as number) * planeSum);
      parts.push(`plane ${i}: ${looks.join(' + ')} = ${fmt(planeSum)}, × a${i} = ${fmt((a[i] as number) * planeSum)}`);
    }
    const c0 = qt.zeros ? c0Base - (qt.zeros[r] as number) : c0Base;
    const grp = Math.fround(p + c0 * xsum);
    const y = Math.fround(grp * (qt.scales[r] as number));
    steps.push(
      h('div', { class: 'lookup' }, [
        h('strong', { text: `row ${r}: ` }),
        h('ul', {}, [
          ...parts.map((t) => h('li', { text: t })),
          h('li', { text: `Σ a_i·P_i = ${fmt(p)}; + c0·Σx = ${fmt(c0)} × ${fmt(xsum)} → ${fmt(grp)}; × scale ${fmt(qt.scales[r] as number)} → y = ${fmt(y)}` }),
        ]),
      ]),
    );
    rowsOut.push([String(r), fmt(y), fmt(yLut[r] as number), fmt(ref.y[r] as number), sig(Math.abs((yLut[r] as number) - (ref.y[r] as number)), 3)]);
  }
  out.push(
    h('h4', { text: '4. Look up and accumulate, plane by plane' }),
    h('p', { text: 'For each row of W and each plane i, the 4-bit index of every 4-group selects one table entry; the entries are summed (P_i) and weighted by a_i. No multiplications by weights happen: only lookups, additions and power-of-two weights.' }),
    ...steps,
    h('h4', { text: '5. Rescale once per group, and check' }),
    h('p', { text: "The zero point of the affine decode enters once as c0·Σx, the group's scale multiplies once. The walkthrough's y, the library's lut-f32 kernel (matmulLutF32) and the f64 oracle (matmulRef: dequantize, then f64 dot products):" }),
    table('y = x · Wᵀ three ways', [['row', 'walkthrough', 'lut-f32 kernel', 'f64 oracle', '|kernel − oracle|'], ...rowsOut], 'lut-check'),
  );
  return out;
}

/** Groups of the sample the BitMoD walkthrough can show. */
const BM_GROUPS = 64;
const BM_G = 128;

/** The BitMoD walkthrough for group `g` of the sample (row-major groups of 128). */
function bitmodWalkthrough(scheme: string, g: number): HChild[] {
  const smp = sampleWeights();
  const perRow = smp.cols / BM_G;
  const row = Math.floor(g / perRow);
  const col0 = (g % perRow) * BM_G;
  const grp = smp.data.slice(row * smp.cols + col0, row * smp.cols + col0 + BM_G);
  const sc = getScheme(scheme);
  const mixture = quantize(grp, 1, BM_G, scheme, { group: BM_G });
  const chosen = mixture.elementTypes[(mixture.dtypeIds as Uint8Array)[0] as number] as string;
  let amax = 0;
  for (const v of grp) amax = Math.max(amax, Math.abs(v));
  const cands = sc.elementTypes.map((et) => {
    // Each candidate is also a scheme of its own (the single BitMoD variant), same scale rule.
    const ev = evaluateScheme(grp, 1, BM_G, et, { group: BM_G });
    return { et, ev, qt: ev.qt as QuantizedTensor };
  });
  const best = Math.min(...cands.map((c) => c.ev.metrics.mse));
  const maxMse = Math.max(...cands.map((c) => c.ev.metrics.mse));
  return [
    h('p', {
      text: `${scheme} quantizes each group of ${BM_G} weights with each of its ${sc.elementTypes.length} candidate grids (scale = absmax / max|grid|, stored as f16) and keeps the one with the lowest squared error; a ${Math.log2(sc.elementTypes.length)}-bit id per group records the choice. Group ${g}: row ${row}, columns ${col0}–${col0 + BM_G - 1}, absmax ${sig(amax, 4)}.`,
    }),
    table(
      `Each candidate on group ${g} (evaluateScheme with the single-variant scheme)`,
      [
        ['candidate', 'grid (integer units)', 'scale', 'group MSE', ''],
        ...cands.map((c) => {
          const bar = h('span', { class: `mse-bar${c.et === chosen ? ' win' : ''}` });
          bar.style.width = `${(100 * c.ev.metrics.mse) / (maxMse || 1)}%`;
          return [
            h('span', {}, [h('code', { text: c.et }), c.et === chosen ? h('strong', { class: 'chosen-tag', text: ' ← chosen' }) : null]),
            Array.from(getDType(c.et).values).join(' '),
            sig(c.qt.scales[0] as number, 4),
            h('span', { dataset: { mse: String(c.ev.metrics.mse) }, text: sig(c.ev.metrics.mse, 4) }),
            h('span', { class: 'mse-track' }, [bar]),
          ];
        }),
      ],
      'bitmod',
    ),
    h('p', {
      class: cands.find((c) => c.et === chosen)?.ev.metrics.mse === best ? 'ok-line' : 'error',
      text: `quantize(…, '${scheme}') stored id ${(mixture.dtypeIds as Uint8Array)[0]} → ${chosen}; the lowest MSE above is ${sig(best, 4)} (${cands.filter((c) => c.ev.metrics.mse === best).map((c) => c.et).join(', ')}). Ties go to the earlier candidate.`,
    }),
  ];
}

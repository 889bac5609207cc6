/**
 * Learn: lessons driven by the library's real code, each a walkthrough with a "Next step"
 * control. LUT mpGEMM (code → integer → value, offset-binary bit planes, table indices with their
 * bits labelled by k, tables, lookups, rescale, checked against the lut-f32 kernel and the f64
 * oracle); BitMoD's per-group datatype choice; bit-serial terms; MX / NVFP4 block scaling.
 */
import { getScheme } from '../../quant/schemes.js';
import { LUT_ENTRIES, LUT_GROUP, LUT_HALF } from '../../cpu/lut.js';
import { append, h, labelledSelect, replace } from '../dom.js';
import { binary } from '../format.js';
import type { AppEnv } from '../env.js';
import { stepper, type Step } from '../stepper.js';
import { LUT_K, LUT_N, LUT_SCHEMES, LUT_SEED, LUT_X, lutExample, type LutExample } from '../learn/lut-example.js';
import { codeBits, decodeExplanation, decodedValue, encodingName } from '../learn/encoding.js';
import { bitBoxes, checkTable, fmt, formula, miniTable, para } from './learn-common.js';
import { mountBitmodLesson } from './learn-bitmod.js';
import { mountBitSerial } from './learn-bitserial.js';
import { mountBlockLesson } from './learn-blocks.js';

/** The lessons, in page order: heading id, title, mount. */
const LESSONS: readonly { readonly id: string; readonly title: string; readonly mount: (box: HTMLElement) => void }[] = [
  { id: 'learn-lut', title: 'LUT mpGEMM (LUT Tensor Core, T-MAC)', mount: mountLutLesson },
  { id: 'learn-bitmod', title: 'BitMoD: each group picks its datatype', mount: mountBitmodLesson },
  { id: 'learn-bitserial', title: 'Bit-serial terms (BitMoD)', mount: mountBitSerial },
  { id: 'learn-blocks', title: 'Block scaling: OCP MX and NVFP4', mount: mountBlockLesson },
];

/** Mounts the Learn page. */
export function mountLearn(root: HTMLElement, _env: AppEnv): void {
  append(root, [
    h('h2', { text: 'Learn low-bit arithmetic' }),
    h('p', {
      class: 'lede',
      text: "Each lesson runs lowbit's own quantizer, bit-plane layout and kernels on a tiny example. Step through it with Next step, or show every step at once; the last step checks the walkthrough's numbers against the library's kernel and the f64 oracle.",
    }),
    h('nav', { class: 'toc', attrs: { 'aria-label': 'Lessons' } }, [
      h(
        'ul',
        {},
        LESSONS.map((l) => h('li', {}, [h('a', { attrs: { href: `#${l.id}-h` }, text: l.title })])),
      ),
    ]),
  ]);
  for (const l of LESSONS) {
    const box = h('div', { class: 'walk', id: l.id });
    root.appendChild(h('section', { class: 'panel lesson' }, [h('h3', { id: `${l.id}-h`, text: l.title, attrs: { tabindex: '-1' } }), box]));
    l.mount(box);
  }
  for (const a of Array.from(root.querySelectorAll<HTMLAnchorElement>('.toc a'))) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const target = root.querySelector<HTMLElement>(a.getAttribute('href') ?? '');
      target?.scrollIntoView({ block: 'start' });
      target?.focus();
    });
  }
}

/** The LUT lesson: a scheme picker and the walkthrough. */
function mountLutLesson(box: HTMLElement): void {
  const walk = h('div');
  const sel = labelledSelect('Weight scheme', LUT_SCHEMES.map((s) => [s, `${s}: ${getScheme(s).description}`] as const), 'int3', () => render());
  sel.select.id = 'learn-lut-scheme';
  replace(box, [
    para(
      'Y = X · Wᵀ without multiplying by weights: split each weight code into bit planes, precompute for every 4 activations a 16-entry table of signed sums, then read one table entry per plane and per 4 weights. ',
      `The example: x [1 × ${LUT_K}] and W [${LUT_N} × ${LUT_K}].`,
    ),
    h('div', { class: 'row' }, [sel.wrap]),
    walk,
  ]);
  function render(): void {
    replace(walk, [stepper('lut', lutSteps(lutExample(sel.select.value)))]);
  }
  render();
}

/** Bits of `code` (width `bits`) labelled by position, most significant first. */
function codeBoxes(code: number, bits: number): HTMLElement {
  return bitBoxes(
    codeBits(code, bits).map((b) => ({ label: `b${b.pos}`, bit: b.bit })),
    `code ${code}`,
  );
}

/** Bits of a 4-bit table index of 4-group t, each labelled by the weight k = 4t + j it comes from. */
function indexBoxes(idx: number, t: number): HTMLElement {
  const bits: { label: string; bit: number }[] = [];
  for (let j = LUT_GROUP - 1; j >= 0; j--) bits.push({ label: `k=${LUT_GROUP * t + j}`, bit: (idx >>> j) & 1 });
  return bitBoxes(bits, `index ${idx} of 4-group ${t}`);
}

/** The steps of the LUT walkthrough for one computed example. */
function lutSteps(ex: LutExample): Step[] {
  const { qt, bits, dec } = ex;
  const groups = LUT_K / LUT_GROUP;
  const zeros = qt.zeros;
  const enc = encodingName(ex.elementType);
  const steps: Step[] = [];

  steps.push({
    title: 'Quantize: code → integer → value',
    render: () => [
      para(
        `W (sampleWeights, seed ${LUT_SEED}) quantized with ${ex.scheme}, one group of ${LUT_K} per row: each weight is stored as a ${bits}-bit code of ${ex.elementType}, whose encoding is `,
        h('strong', { text: enc }),
        `. The code's bits are written most significant first (b${bits - 1} … b0). The stored integer, minus the zero point${zeros ? ' z' : ' (none here)'}, times the row's scale s gives the weight back.`,
      ),
      formula(zeros ? 'w ≈ (integer − z) · s' : 'w ≈ integer · s'),
      miniTable(
        'Each weight: the original value, its code, the integer the code stands for, and the value it dequantizes to',
        ['row', 'k', 'w', 'code bits', 'integer', 'how', ...(zeros ? ['z'] : []), 's', 'dequantized'],
        Array.from({ length: LUT_N * LUT_K }, (_, i) => {
          const r = Math.floor(i / LUT_K);
          const k = i % LUT_K;
          const code = ex.codes[i] as number;
          return [
            String(r),
            String(k),
            fmt(ex.w[i] as number),
            codeBoxes(code, bits),
            fmt(decodedValue(ex.elementType, code)),
            decodeExplanation(ex.elementType, code),
            ...(zeros ? [String(zeros[r])] : []),
            fmt(qt.scales[r] as number),
            fmt(ex.deq[i] as number),
          ];
        }),
        'learn-codes',
      ),
    ],
  });

  steps.push({
    title: 'Offset-binary code q and its bit planes',
    render: () => [
      para(
        ex.flip
          ? `The LUT kernel reads unsigned codes. Flipping the sign bit of a ${bits}-bit two's-complement code (q = code XOR ${ex.flip}) gives the offset-binary code q = integer + ${ex.flip}, so `
          : `The codes are already unsigned (q = code), so `,
        `every value is affine in q: value = ${dec.alpha}·q ${dec.beta < 0 ? '−' : '+'} ${Math.abs(dec.beta)}${zeros ? ' − z' : ''} (lutDecode). `,
        `Plane i holds bit i of q for every weight. With s_i = 2·bit_i − 1 ∈ {−1, +1}, q = Σ_i 2^(i−1)·s_i + (2^${bits} − 1)/2, hence`,
      ),
      formula(`value = Σ_i a_i·s_i + c0,   ${ex.a.map((v, i) => `a${i} = ${fmt(v)}`).join(', ')},   c0 = ${fmt(ex.c0Base)}${zeros ? ' − z' : ''}`),
      miniTable(
        'Bit planes (toBitPlanes): bit i of q for each weight k; columns run k = 0 … 7 from left to right',
        ['row', 'plane i', ...Array.from({ length: LUT_K }, (_, k) => `k=${k}`)],
        Array.from({ length: LUT_N * bits }, (_, j) => {
          const r = Math.floor(j / bits);
          const i = j % bits;
          return [String(r), `i=${i}`, ...Array.from({ length: LUT_K }, (_, k) => String(ex.planeBit(r, i, k)))];
        }),
        'learn-planes',
      ),
    ],
  });

  steps.push({
    title: 'Four weights make one table index',
    render: () => [
      para(
        `K is cut into 4-groups t = 0 … ${groups - 1}. In group t, bit j of the index is plane bit of weight k = 4t + j. Written as a binary number (most significant bit first) the index reads k = 4t + 3 on the left down to `,
        h('strong', { text: 'k = 4t on the right' }),
        ': the reverse of the table above, where k grows to the right. Each box below is labelled with its k.',
      ),
      miniTable(
        'Table indices per row, plane and 4-group',
        ['row', 'plane i', ...Array.from({ length: groups }, (_, t) => `4-group t=${t} (k=${4 * t}…${4 * t + 3})`)],
        Array.from({ length: LUT_N * bits }, (_, j) => {
          const r = Math.floor(j / bits);
          const i = j % bits;
          return [
            String(r),
            `i=${i}`,
            ...Array.from({ length: groups }, (_, t) => {
              const idx = ex.index(r, i, t);
              return h('span', { class: 'idx-cell' }, [indexBoxes(idx, t), h('span', { text: ` = ${idx}` })]);
            }),
          ];
        }),
        'learn-indices',
      ),
    ],
  });

  steps.push({
    title: 'Precompute one table per 4 activations',
    render: () => [
      para(`x = [${Array.from(LUT_X).map((v) => fmt(v)).join(', ')}].`),
      formula('T_t[idx] = Σ_j s_j(idx) · x_{4t+j},   s_j = +1 when bit j of idx is set, else −1'),
      para(
        `buildLutF32 computes only the ${LUT_HALF} entries with bit 3 clear, from the pair sums x0 ± x1 and x2 ± x3; the other ${LUT_HALF} are their negations, T[15 − idx] = −T[idx] (symmetrization; exact because rounding to nearest is odd-symmetric). One table serves every row of W.`,
      ),
      miniTable(
        'Tables T_t (mirrored entries marked ⇄)',
        ['idx', 'bits (j = 3 … 0)', ...Array.from({ length: groups }, (_, t) => `T${t}: x${4 * t}…x${4 * t + 3}`)],
        Array.from({ length: LUT_ENTRIES }, (_, idx) => [
          String(idx),
          h('code', { text: binary(idx, LUT_GROUP) }),
          ...Array.from({ length: groups }, (_, t) => {
            const v = ex.tables[t * LUT_ENTRIES + idx] as number;
            return idx < LUT_HALF ? fmt(v) : h('span', { class: 'mirrored', title: `= −T[${LUT_ENTRIES - 1 - idx}]`, text: `⇄ ${fmt(v)}` });
          }),
        ]),
        'learn-tables',
      ),
    ],
  });

  for (const ps of ex.planes) {
    steps.push({
      title: `Row ${ps.row}, plane ${ps.plane}: look up`,
      render: () => [
        para(`For row ${ps.row} and plane ${ps.plane}, each 4-group's index selects one table entry; the entries are summed (P${ps.plane}), weighted by a${ps.plane} = ${fmt(ps.a)} and added to the row's running sum. No multiplication by a weight happens.`),
        h(
          'ul',
          { class: 'lookup-list' },
          ps.lookups.map((l) => h('li', {}, [indexBoxes(l.idx, l.t), ` → T${l.t}[${l.idx}] = ${fmt(l.value)}`])),
        ),
        formula(`P${ps.plane} = ${ps.lookups.map((l) => fmt(l.value)).join(' + ')} = ${fmt(ps.sum)}`),
        formula(`Σ a_i·P_i = ${fmt(ps.plane === 0 ? 0 : (ex.planes.find((q) => q.row === ps.row && q.plane === ps.plane - 1)?.running ?? 0))} + ${fmt(ps.a)} × ${fmt(ps.sum)} = ${fmt(ps.running)}`),
      ],
    });
  }

  steps.push({
    title: 'Add the offset, rescale once',
    render: () => [
      para('The affine offset c0 enters once per group as c0 · Σx, and the group scale multiplies once.'),
      ...ex.rows.map((r) => formula(`row ${r.row}: ${fmt(r.p)} + ${fmt(r.c0)} × Σx (${fmt(ex.xsum)}) = ${fmt(r.group)};  × s ${fmt(r.scale)}  →  y${r.row} = ${fmt(r.y, 7)}`)),
    ],
  });

  steps.push({
    title: 'Check against the library',
    render: () => [
      para("The walkthrough's y, the library's lut-f32 kernel (matmulLutF32) and the f64 oracle (matmulRef: dequantize, then f64 dot products). The walkthrough follows the kernel's order of f32 roundings, so the first two agree to the bit."),
      checkTable(
        'y = x · Wᵀ three ways',
        ex.rows.map((r) => ({ label: `row ${r.row}`, walk: r.y, kernel: r.kernel, oracle: r.oracle })),
        'lut-check',
        'lut-f32 kernel',
      ),
    ],
  });
  return steps;
}

/**
 * Explore: every datatype of the registry: its values on a number line, its bit layout (from the
 * spec's fields, or the codebook index), every code with its value, and an encoder that shows
 * the code, the bits, the decoded value and how the value was rounded, all through the
 * registry's codec (encode/decode).
 */
import { DTYPE_NAMES, getDType, type DType } from '../../dtype/registry.js';
import { decode, encode } from '../../dtype/codec.js';
import { append, h, labelledCheckbox, labelledSelect, replace, uniqueId } from '../dom.js';
import { errorMessage } from '../errors.js';
import { binary, sig } from '../format.js';
import { chartFrame } from '../charts/frame.js';
import { numberLinePlot, type NumberLineOptions } from '../charts/number-line.js';
import { COLOR_MAIN, COLOR_REF } from '../charts/palette.js';
import { tickLabel } from '../charts/ticks.js';
import type { AppEnv } from '../env.js';

/** One bit field of a code, most significant first. */
interface Field {
  readonly name: string;
  readonly short: string;
  readonly bits: number;
  readonly cls: string;
}

/** The fields of a datatype's code, from its spec. */
export function codeFields(dt: DType): Field[] {
  const sp = dt.spec;
  if (sp.kind === 'float') {
    const f: Field[] = [];
    if (sp.signed) f.push({ name: 'sign', short: 'S', bits: 1, cls: 'sign' });
    f.push({ name: `exponent (bias ${sp.bias})`, short: 'E', bits: sp.expBits, cls: 'exp' });
    if (sp.manBits > 0) f.push({ name: 'mantissa', short: 'M', bits: sp.manBits, cls: 'man' });
    return f;
  }
  if (sp.kind === 'int') {
    return sp.signed
      ? [
          { name: "sign (two's complement)", short: 'S', bits: 1, cls: 'sign' },
          { name: 'magnitude bits', short: 'I', bits: sp.bits - 1, cls: 'man' },
        ]
      : [{ name: 'unsigned integer', short: 'I', bits: sp.bits, cls: 'man' }];
  }
  return [{ name: 'codebook index', short: 'C', bits: sp.bits, cls: 'idx' }];
}

/** `code` in binary split into its fields, e.g. "0 1101 010". */
export function splitBits(code: number, fields: readonly Field[]): string {
  const total = fields.reduce((a, f) => a + f.bits, 0);
  const b = binary(code, total);
  const parts: string[] = [];
  let at = 0;
  for (const f of fields) {
    parts.push(b.slice(at, at + f.bits));
    at += f.bits;
  }
  return parts.join(' ');
}

/** How a spec describes the value of a code. */
function formula(dt: DType): string {
  const sp = dt.spec;
  if (sp.kind === 'float') {
    const normal = `(−1)^S × 2^(E − ${sp.bias}) × 1.M`;
    const sub = sp.subnormals ? `; E = 0: (−1)^S × 2^(${1 - sp.bias}) × 0.M (subnormals and zero)` : '; E = 0 is the normal value 2^−bias (no zero)';
    const specials = {
      ieee: '; E all ones: ±inf (M = 0) or NaN',
      fn: sp.manBits > 0 ? '; S.1…1.1…1 is NaN, no inf' : '; all ones is NaN, no inf',
      fnuz: '; the negative-zero code is NaN, no inf, no −0',
      finite: '; every code is finite (no inf, no NaN)',
    }[sp.specials];
    return `${sp.signed ? normal : normal.replace('(−1)^S × ', '')}${sub}${specials}`;
  }
  if (sp.kind === 'int') {
    const base = sp.signed ? "two's-complement integer" : 'unsigned integer';
    return sp.implicitScaleExp !== 0 ? `${base} × 2^${sp.implicitScaleExp}` : base;
  }
  return `value = table[C] (${sp.values.length} entries${sp.unit !== undefined ? `, integer multiples of ${sp.unit}` : ''})`;
}

/** The tie rule the codec applies for a datatype, in words. */
function tieRule(dt: DType): string {
  const sp = dt.spec;
  if (sp.kind === 'float') return 'round half to even (the neighbour whose code has an even last bit)';
  if (sp.kind === 'int') return 'round half to even (the even integer)';
  return {
    even: 'round half to even (the even integer)',
    lower: 'a tie goes to the lower value (BitMoD / bitsandbytes rule)',
    upper: 'a tie goes to the upper value',
  }[sp.ties];
}

/** A ratio of the largest to the smallest positive value beyond which a linear axis hides the small values. */
const LINEAR_MAX_RATIO = 64;

/** The code of a value of `dt`, or a dash when it has none. */
function encodeOrDash(dt: DType, v: number): string {
  try {
    const c = encode(dt, v);
    return `${c} (0x${c.toString(16)})`;
  } catch {
    return '–';
  }
}

/** Parses the encoder input: numbers, inf, -inf, nan. */
export function parseInput(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return NaN;
  if (t === '') return NaN;
  const v = Number(t);
  if (Number.isNaN(v)) throw new Error(`'${text}' is not a number (try 0.3, -2.75, 1e-3, inf or nan)`);
  return v;
}

/** Mounts the Explore page. */
export function mountExplore(root: HTMLElement, _env: AppEnv): void {
  let dt = getDType('float4_e2m1fn');
  const dtypeSel = labelledSelect(
    'Datatype',
    DTYPE_NAMES.map((n) => [n, `${n} (${getDType(n).bits}-bit)`] as const),
    dt.name,
    (v) => {
      dt = getDType(v);
      scaleSel.select.value = defaultScale(dt);
      render();
    },
  );
  dtypeSel.select.id = 'dtype-select';
  const scaleSel = labelledSelect(
    'Number line scale',
    [
      ['linear', 'linear'],
      ['symlog', 'symmetric log (linear near 0)'],
      ['log', 'log₂ (positive values only)'],
    ],
    defaultScale(dt),
    () => renderLine(),
  );
  scaleSel.select.id = 'line-scale';
  const desc = h('p', { class: 'dtype-desc' });
  const lineBox = h('div', { class: 'line-box' });
  const layoutBox = h('div', { class: 'layout-box' });
  const infoBox = h('div', { class: 'info-box' });
  const codesBox = h('div', { class: 'codes-box table-wrap tall' });

  const inputId = uniqueId('enc');
  const encInput = h('input', { id: inputId, type: 'text', value: '0.3', attrs: { inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false' } });
  encInput.id = 'encode-input';
  const encLabel = h('label', { for: 'encode-input', text: 'Value to encode' });
  const saturate = labelledCheckbox('saturate out-of-range values (off: inf / NaN / error, as the format allows)', true, () => renderEncoder());
  const encOut = h('div', { class: 'enc-out', id: 'encode-output', attrs: { 'aria-live': 'polite' } });
  encInput.addEventListener('input', () => renderEncoder());

  append(root, [
    h('h2', { text: 'Explore the datatypes' }),
    h('p', { class: 'lede', text: "Every element and scale datatype lowbit knows, from the registry's primary facts: values, bit layout, codes, and how a number is rounded." }),
    h('div', { class: 'panel' }, [h('div', { class: 'row' }, [dtypeSel.wrap, scaleSel.wrap]), desc, lineBox]),
    h('div', { class: 'grid-2' }, [
      h('div', { class: 'panel' }, [h('h3', { text: 'Encoder' }), h('div', { class: 'row' }, [h('div', { class: 'field' }, [encLabel, encInput]), saturate.wrap]), encOut]),
      h('div', { class: 'panel' }, [h('h3', { text: 'Bit layout' }), layoutBox, h('h3', { text: 'Limits' }), infoBox]),
    ]),
    h('div', { class: 'panel' }, [h('h3', { text: 'Every code' }), codesBox]),
  ]);

  function defaultScale(d: DType): string {
    const v = d.values;
    if ((v[0] ?? 0) > 0) return 'log';
    const maxAbs = Math.max(Math.abs(v[0] ?? 0), Math.abs(v[v.length - 1] ?? 0));
    return maxAbs / d.info.smallestPositive > LINEAR_MAX_RATIO ? 'symlog' : 'linear';
  }

  let current: { x: number; value: number } | undefined;

  function render(): void {
    desc.textContent = dt.spec.description;
    renderLayout();
    renderInfo();
    renderCodes();
    renderEncoder();
  }

  function renderLine(): void {
    const vals = Array.from(dt.values);
    const positive = (vals[0] ?? 0) > 0;
    // A log axis cannot show 0 or negative values: fall back to symmetric log for those formats.
    for (const o of Array.from(scaleSel.select.options)) o.disabled = o.value === 'log' && !positive;
    if (scaleSel.select.value === 'log' && !positive) scaleSel.select.value = 'symlog';
    const scale = scaleSel.select.value === 'log' ? 'log' : scaleSel.select.value === 'symlog' ? 'symlog' : 'linear';
    const lo = vals[0] ?? 0;
    const hi = vals[vals.length - 1] ?? 0;
    const markers: { x: number; label: string; color: string }[] = [];
    if (current && Number.isFinite(current.x)) {
      const off = current.x < lo || current.x > hi;
      markers.push({ x: Math.min(Math.max(current.x, lo), hi), label: `x = ${sig(current.x, 4)}${off ? ' (off the line)' : ''}`, color: 'currentColor' });
    }
    const chosen = current && Number.isFinite(current.value) ? current.value : undefined;
    const opts: NumberLineOptions = {
      rows: [
        {
          label: dt.name,
          values: vals,
          mark: 'tick',
          color: COLOR_MAIN,
          title: (v) => `${Object.is(v, -0) ? '−0' : String(v)}\ncode ${encodeOrDash(dt, v)}`,
        },
        ...(chosen !== undefined ? [{ label: dt.name, values: [chosen], mark: 'dot' as const, color: COLOR_REF, title: (v: number) => `encoded value ${v}` }] : []),
      ],
      scale,
      constant: dt.info.smallestPositive,
      xLabel: `value of ${dt.name}`,
      markers,
      ariaLabel: `The ${vals.length} finite values of ${dt.name} on a ${scale} axis`,
    };
    replace(lineBox, [
      chartFrame({
        title: `The ${vals.length} finite values of ${dt.name}`,
        filename: `lowbit-${dt.name}-values`,
        axes: 'x',
        legend: [
          { label: 'a value of the datatype', color: COLOR_MAIN, shape: 'tick' },
          ...(chosen !== undefined ? [{ label: 'the encoded value', color: COLOR_REF, shape: 'dot' as const }] : []),
        ],
        caption: [
          scale === 'linear'
            ? 'Linear axis.'
            : scale === 'log'
              ? 'Base-2 log axis: each power of two is one step.'
              : `Symmetric log axis: linear within ±${tickLabel(dt.info.smallestPositive)} (the smallest positive value), logarithmic beyond, so values near 0 and near the maximum are both visible.`,
          ' Hover a tick for its exact value and code.',
        ],
        render: (w) => numberLinePlot(opts, w),
      }),
    ]);
  }

  function renderLayout(): void {
    const fields = codeFields(dt);
    let bit = dt.bits - 1;
    const cells: HTMLElement[] = [];
    for (const f of fields) {
      for (let i = 0; i < f.bits; i++, bit--) cells.push(h('span', { class: `bit ${f.cls}`, title: `bit ${bit}: ${f.name}`, text: f.short }));
    }
    replace(layoutBox, [
      h('div', { class: 'bits', role: 'img', attrs: { 'aria-label': fields.map((f) => `${f.bits} ${f.name} bit${f.bits > 1 ? 's' : ''}`).join(', ') } }, cells),
      h(
        'ul',
        { class: 'legend' },
        fields.map((f) => h('li', {}, [h('span', { class: `swatch ${f.cls}` }), `${f.short}: ${f.name}, ${f.bits} bit${f.bits > 1 ? 's' : ''}`])),
      ),
      h('p', { class: 'formula' }, [h('strong', { text: 'Value: ' }), formula(dt)]),
      h('p', { class: 'muted', text: `Rounding: nearest value; ${tieRule(dt)}.` }),
    ]);
  }

  function renderInfo(): void {
    const i = dt.info;
    const rows: [string, string][] = [
      ['bits', String(i.bits)],
      ['max', String(i.max)],
      ['min', String(i.min)],
      ['smallest positive', String(i.smallestPositive)],
      [dt.spec.kind === 'float' ? 'tiny (smallest normal)' : 'tiny', String(i.tiny)],
      ['eps', String(i.eps)],
      ['emax', String(i.emax)],
      ['finite values', String(i.numValues)],
      ['inf / NaN / −0', `${i.hasInf ? 'yes' : 'no'} / ${i.hasNaN ? 'yes' : 'no'} / ${i.hasNegZero ? 'yes' : 'no'}`],
    ];
    replace(infoBox, [h('table', { class: 'kv' }, [h('tbody', {}, rows.map(([k, v]) => h('tr', {}, [h('th', { text: k, attrs: { scope: 'row' } }), h('td', { text: v })])))])]);
  }

  function renderCodes(): void {
    const fields = codeFields(dt);
    const body = h('tbody');
    for (let c = 0; c < dt.decodeTable.length; c++) {
      const v = dt.decodeTable[c] as number;
      const text = Number.isNaN(v) ? (dt.spec.kind === 'codebook' ? 'unused' : 'NaN') : Object.is(v, -0) ? '−0' : String(v);
      body.appendChild(
        h('tr', {}, [
          h('td', { class: 'num', text: String(c) }),
          h('td', { class: 'num', text: `0x${c.toString(16).padStart(Math.ceil(dt.bits / 4), '0')}` }),
          h('td', {}, [h('code', { text: splitBits(c, fields) })]),
          h('td', { class: 'num' }, [
            Number.isFinite(v)
              ? h('button', {
                  type: 'button',
                  class: 'link',
                  text,
                  attrs: { 'aria-label': `Encode ${text}` },
                  on: {
                    click: () => {
                      encInput.value = String(v);
                      renderEncoder();
                      encInput.focus();
                    },
                  },
                })
              : text,
          ]),
        ]),
      );
    }
    replace(codesBox, [
      h('table', { class: 'results codes' }, [
        h('caption', { text: `${dt.decodeTable.length} codes of ${dt.name} (fields: ${fields.map((f) => f.short).join(' ')})` }),
        h('thead', {}, [h('tr', {}, ['code', 'hex', 'bits', 'value'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
        body,
      ]),
    ]);
  }

  function renderEncoder(): void {
    const fields = codeFields(dt);
    let x: number;
    try {
      x = parseInput(encInput.value);
    } catch (err) {
      current = undefined;
      replace(encOut, [h('p', { class: 'error', text: errorMessage(err) })]);
      renderLine();
      return;
    }
    let code: number;
    try {
      code = encode(dt, x, { saturate: saturate.input.checked });
    } catch (err) {
      current = undefined;
      replace(encOut, [h('p', { class: 'error', role: 'alert', text: errorMessage(err) })]);
      renderLine();
      return;
    }
    const value = decode(dt, code);
    current = { x, value };
    const kv: [string, HTMLElement | string][] = [
      ['input x', String(x)],
      ['code', `${code} (0x${code.toString(16)})`],
      ['bits', h('code', { class: 'bits-inline', text: splitBits(code, fields) })],
      ['decoded value', Object.is(value, -0) ? '−0' : String(value)],
      ['error', Number.isFinite(x) && Number.isFinite(value) ? `${sig(value - x, 4)}${x !== 0 ? ` (${sig((100 * (value - x)) / Math.abs(x), 3)} %)` : ''}` : '–'],
    ];
    replace(encOut, [
      h('table', { class: 'kv', id: 'encode-table' }, [h('tbody', {}, kv.map(([k, v]) => h('tr', {}, [h('th', { text: k, attrs: { scope: 'row' } }), h('td', { dataset: { field: k.replace(/\s+/g, '-') } }, [v])])))]),
      h('p', { class: 'rounding', id: 'encode-rounding', text: explainRounding(dt, x, value) }),
    ]);
    renderLine();
  }

  render();
}

/**
 * Why `x` encoded to `value`: which neighbours it lies between, the midpoint, and the rule that
 * decided. The codec decided; this only describes its result against the value list.
 */
export function explainRounding(dt: DType, x: number, value: number): string {
  const vals = dt.values;
  const lo = vals[0] as number;
  const hi = vals[vals.length - 1] as number;
  const code = (v: number): string => {
    try {
      return `code ${encode(dt, v)}`;
    } catch {
      return 'no code';
    }
  };
  if (Number.isNaN(x)) return Number.isNaN(value) ? 'NaN encodes to the NaN code.' : `NaN → ${value}`;
  if (!Number.isFinite(x)) {
    if (!Number.isFinite(value)) return `${x} encodes to ${Number.isNaN(value) ? 'the NaN code' : 'infinity'}: ${dt.name} ${dt.info.hasInf ? 'has inf' : 'has no inf'}.`;
    return `${x} saturates to the ${value > 0 ? 'largest' : 'smallest'} finite value ${value}.`;
  }
  if (!Number.isFinite(value)) return `${x} is beyond the finite range [${lo}, ${hi}] and saturation is off: it becomes ${Number.isNaN(value) ? 'NaN' : value}.`;
  if (x > hi || x < lo) {
    return `${x} is outside the finite range [${lo}, ${hi}]: it ${value === hi || value === lo ? `saturates to ${value}` : `rounds to ${value}`} (${code(value)}).`;
  }
  // Neighbours: the largest value <= x and the smallest value >= x.
  let i = 0;
  while (i + 1 < vals.length && (vals[i + 1] as number) <= x) i++;
  const below = vals[i] as number;
  if (below === x || value === x) return `${x} is exactly representable (${code(x)}).`;
  const above = vals[i + 1] as number;
  const mid = (below + above) / 2;
  const side = x < mid ? `below the midpoint ${mid}, so it rounds down` : x > mid ? `above the midpoint ${mid}, so it rounds up` : `exactly on the midpoint ${mid}: a tie, ${tieRule(dt)}`;
  const sz = Object.is(value, -0) ? ' (the sign is kept: −0)' : '';
  return `${x} lies between ${below} (${code(below)}) and ${above} (${code(above)}), ${side} to ${value === 0 ? 0 : value}${sz}.`;
}

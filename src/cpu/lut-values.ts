/**
 * Value planes: how the lut kernels take weights whose codes are not an affine function of their
 * bits (BitMoD's FP4 / FP3 mixtures, the FP4 E2M1 grids of fp4 / mxfp4 / nvfp4, the FP3
 * codebook) but whose values are small integers q times a power-of-two unit per element type.
 *
 * Each weight's integer q is re-coded once per tensor as the unsigned b-bit integer
 *   u = q - lo_t,   lo_t = min(0, the smallest integer of the group's element type t),
 * with zero point z_g = -lo_t and scale s_g * unit_t (exact: unit_t is a power of two; a tensor
 * where the product would round is refused), so
 *   scale_g * value = (s_g * unit_t) * (u - z_g)
 * and the result is an ordinary asymmetric uint-b tensor (alpha 1, beta 0) whose bit planes the
 * lut kernels read as they read int4_asym's: the planes of the value, not of the code. b is the
 * widest span hi_t - lo_t over the element types, at most LUT_VALUE_MAX_BITS (bitmod4: q in
 * -16..16, spans 28 and 24, so 5 planes; fp4 E2M1 in halves: -12..12, 5 planes; bitmod3: 4).
 *
 * The view carries the same values, so the f64 oracle of the original tensor and the lut error
 * bounds of the view (which see only scales, zero points and b) apply unchanged.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { packCodes, unpackCodes, wordsPerRowFor } from '../format/pack.js';
import { getDType, type DTypeName } from '../dtype/registry.js';

/** Most planes of a value-plane view (the wasm kernel's i16 lookup sums are sized for 5). */
export const LUT_VALUE_MAX_BITS = 5;

/** The unsigned re-coding of one element type: u = byCode[code] - lo. */
interface TypeRecode {
  readonly unit: number;
  readonly lo: number;
  readonly byCode: Int32Array;
  readonly validCode: Uint8Array;
}

/** Planes needed for the span 0..s. */
function bitsFor(span: number): number {
  let b = 1;
  while ((1 << b) - 1 < span) b++;
  return b;
}

/** Per element type its re-coding and the planes of the whole set, or why it has no value planes. */
export function valuePlaneTypes(elementTypes: readonly string[]): { types: TypeRecode[]; bits: number } | string {
  const types: TypeRecode[] = [];
  let bits = 1;
  for (const name of elementTypes) {
    const grid = getDType(name).grid;
    if (!grid) return `element type ${name} has no integer grid (its values are not small integer multiples of one unit)`;
    const lo = Math.min(0, grid.sorted[0] as number);
    const hi = Math.max(0, grid.sorted[grid.sorted.length - 1] as number);
    const b = bitsFor(hi - lo);
    if (b > LUT_VALUE_MAX_BITS) return `element type ${name} spans ${lo}..${hi} units, ${b} planes (value planes take at most ${LUT_VALUE_MAX_BITS})`;
    bits = Math.max(bits, b);
    types.push({ unit: grid.unit, lo, byCode: grid.byCode, validCode: grid.validCode });
  }
  return { types, bits: Math.max(bits, 2) };
}

const viewCache = new WeakMap<QuantizedTensor, { codes: Uint32Array; view: QuantizedTensor | string }>();

/**
 * The asymmetric uint-b tensor with the values of `qt` (file comment), cached per tensor object
 * (re-derived when `qt.codes` is a different array; in-place edits of the codes or scales are not
 * detected, as for the cached bit planes), or the reason there is none: an element type
 * without a small integer grid, zero points or offsets of its own, a code that decodes to no
 * number (NaN, unused), or a scale the unit would round.
 */
export function lutValueView(qt: QuantizedTensor): QuantizedTensor | string {
  const hit = viewCache.get(qt);
  if (hit && hit.codes === qt.codes) return hit.view;
  const view = buildView(qt);
  viewCache.set(qt, { codes: qt.codes, view });
  return view;
}

function buildView(qt: QuantizedTensor): QuantizedTensor | string {
  const set = valuePlaneTypes(qt.elementTypes);
  if (typeof set === 'string') return set;
  if (qt.zeros || qt.offsets) return `${qt.scheme} carries its own zero points or offsets`;
  const { types, bits } = set;
  const { rows, cols, groupSize } = qt;
  const ng = cols / groupSize;
  const ids = qt.dtypeIds;
  const codes = unpackCodes(qt.codes, rows, cols, qt.bits);
  const u = new Uint8Array(rows * cols);
  const zeros = new Uint8Array(rows * ng);
  const scales = new Float32Array(rows * ng);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < ng; g++) {
      const gi = r * ng + g;
      const t = types[ids ? (ids[gi] as number) : 0] as TypeRecode;
      const s = qt.scales[gi] as number;
      const su = Math.fround(s * t.unit);
      if (su / t.unit !== s) return `scale ${s} of group ${g} of row ${r} times the unit ${t.unit} rounds in f32`;
      scales[gi] = su;
      zeros[gi] = -t.lo;
      for (let k = g * groupSize, end = k + groupSize; k < end; k++) {
        const c = codes[r * cols + k] as number;
        if (!t.validCode[c]) return `code ${c} (row ${r}, column ${k}) decodes to no number`;
        u[r * cols + k] = (t.byCode[c] as number) - t.lo;
      }
    }
  }
  return {
    ...qt,
    bits,
    codes: packCodes(u, rows, cols, bits),
    wordsPerRow: wordsPerRowFor(cols, bits),
    elementTypes: [`uint${bits}` as DTypeName],
    dtypeIds: undefined,
    idBits: 0,
    scales,
    zeros,
    offsets: undefined,
    blocks: undefined,
  };
}

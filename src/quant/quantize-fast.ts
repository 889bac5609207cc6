/**
 * The fast quantizer: the reference's results (quantize-reference.ts) in one pass per row.
 *
 * Per row, each group is decided (scale, zero point, datatype id) and then encoded straight into
 * the packed code stream by the fast encoders (fast-encoders.ts). Channel granularity has one
 * group per row; tensor granularity decides once over the whole tensor before the rows are
 * encoded. Mixtures and the clip-ratio search compute each candidate's squared error without
 * writing codes and encode only the winner. Where the WebAssembly module runs, its SIMD kernels
 * (quantize-wasm.ts, wasm/quantize.ts) do the same for every scheme; this file is then the
 * fallback (and, for per-tensor units, the decision before the kernel encodes).
 *
 * `quantizeRowsJs` / `wasmQuantizeRows` are the unit of work of the threaded quantize: a block of
 * whole rows, with the tensor-wide decisions (per-tensor unit, NVFP4 tensor scale) made
 * beforehand by `tensorDecisions` over the whole tensor, so the blocks concatenate to the
 * single-call result.
 */
import { roundHalfEvenFast } from '../dtype/rounding.js';
import { getEncoder, type ElementEncoder } from '../dtype/codec.js';
import { wordsPerRowFor } from '../format/pack.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { CodePacker } from './fast-pack.js';
import { TableEncoderFast, fastEncoderFor, sumSquares, type FastEncoder } from './fast-encoders.js';
import { mxSharedExpFast, pow2, storeScaleFast } from './fast-scale.js';
import { NVFP4_ELEMENT_MAX, nvfp4TensorScale } from './scale.js';
import { checkFinite, checkShape, idBitsFor, planQuantizeShape, type QuantizeOptions, type QuantizePlan } from './quantize-plan.js';
import { getScheme, type AnySchemeName } from './schemes.js';
import { quantizeReference } from './quantize-reference.js';
import { wasmCovers, wasmQuantizeRows } from './quantize-wasm.js';

/** The outputs of a block of rows (row 0 = the block's first row). */
export interface RowsOut {
  /** Packed codes, rows * wordsPerRow words, zero-filled. */
  readonly codes: Uint32Array;
  /** Per-group scales, rows * groupsPerRow. */
  readonly scales: Float32Array;
  readonly zeros: Uint8Array | undefined;
  readonly ids: Uint8Array | undefined;
}

/** Decisions that need the whole tensor (made once, before rows are encoded). */
export interface TensorDecisions {
  /** Per-tensor granularity: the one unit's decision. */
  readonly unit?: UnitDecision;
  /** NVFP4: the FP32 tensor scale. */
  readonly nvfp4TensorScale?: number;
}

/** One unit's decision. */
export interface UnitDecision {
  /** The stored scale. */
  readonly scale: number;
  /** The scale the elements are encoded with (NVFP4: block scale * tensor scale). */
  readonly encScale: number;
  readonly zero: number;
  readonly id: number;
}

/** Allocates the outputs of `rows` rows of a plan. */
export function allocRowsOut(plan: QuantizePlan, rows: number): RowsOut {
  const groups = rows * plan.groupsPerRow;
  return {
    codes: new Uint32Array(rows * wordsPerRowFor(plan.cols, plan.bits)),
    scales: new Float32Array(groups),
    zeros: plan.spec.scaleRule === 'minmax' ? new Uint8Array(groups) : undefined,
    ids: plan.encoders.length > 1 ? new Uint8Array(groups) : undefined,
  };
}

/** Chooses the scale (and zero point, datatype id) of units by the plan's scale rule. */
export class UnitDecider {
  scale = 0;
  encScale = 0;
  zero = 0;
  id = 0;
  readonly encoders: readonly FastEncoder[];
  private readonly maxAbs: Float64Array;
  private readonly clampLo: number;
  private readonly clampHi: number;
  private readonly single: boolean;
  private readonly e4m3: TableEncoderFast | undefined;
  private readonly e4m3Table: Float32Array | undefined;

  constructor(
    private readonly plan: QuantizePlan,
    private readonly nvTs = 1,
  ) {
    this.encoders = plan.encoders.map(fastEncoderFor);
    this.maxAbs = Float64Array.from(plan.encoders, (e) => e.maxAbs);
    const clamp = plan.spec.scaleClamp;
    this.clampLo = clamp ? clamp[0] : -Infinity;
    this.clampHi = clamp ? clamp[1] : Infinity;
    this.single = plan.encoders.length === 1 && plan.ratios.length === 1;
    if (plan.spec.scaleRule === 'nvfp4') {
      const e4m3 = fastEncoderFor(getEncoder('float8_e4m3fn'));
      if (!(e4m3 instanceof TableEncoderFast)) throw new Error('internal: the E4M3 encoder is not a table encoder');
      this.e4m3 = e4m3;
      this.e4m3Table = e4m3.dtype.decodeTable;
    }
  }

  /** Decides the unit w[off, off + len); the result is in scale/encScale/zero/id. */
  decide(w: Float32Array, off: number, len: number): void {
    const plan = this.plan;
    this.zero = 0;
    this.id = 0;
    switch (plan.spec.scaleRule) {
      case 'absmax':
        this.decideAbsmax(w, off, len);
        break;
      case 'minmax':
        this.decideMinmax(w, off, len);
        break;
      case 'mx': {
        const emax = (plan.encoders[0] as ElementEncoder).dtype.info.emax;
        this.scale = pow2(mxSharedExpFast(absmaxOf(w, off, len), emax));
        this.encScale = this.scale;
        break;
      }
      case 'nvfp4': {
        const amax = absmaxOf(w, off, len);
        const ts = this.nvTs;
        // The reference: E4M3(amax / 6 / ts), left to right in f64.
        const bs = amax === 0 || ts === 0 ? 0 : ((this.e4m3Table as Float32Array)[(this.e4m3 as TableEncoderFast).encodeValue(amax / NVFP4_ELEMENT_MAX / ts)] as number);
        this.scale = bs;
        this.encScale = bs * ts;
        break;
      }
      case 'absmean':
      case 'signmean': {
        let s = 0;
        for (let i = off, end = off + len; i < end; i++) s += Math.abs(w[i] as number);
        this.scale = storeScaleFast(s / len, plan.storeDType);
        this.encScale = this.scale;
        break;
      }
    }
  }

  private scaleFor(raw: number): number {
    const c = raw < this.clampLo ? this.clampLo : raw > this.clampHi ? this.clampHi : raw;
    return storeScaleFast(c, this.plan.storeDType);
  }

  private decideAbsmax(w: Float32Array, off: number, len: number): void {
    const amax = absmaxOf(w, off, len);
    const { encoders, maxAbs } = this;
    const ratios = this.plan.ratios;
    if (this.single) {
      this.scale = this.scaleFor((amax * (ratios[0] as number)) / (maxAbs[0] as number));
      this.encScale = this.scale;
      return;
    }
    // Candidates type-major, ratios inner; a later one wins only when strictly lower (BitMoD).
    let bestErr = Infinity;
    let bestT = 0;
    let bestS = 0;
    let zeroErr = -1;
    for (let t = 0; t < encoders.length; t++) {
      const enc = encoders[t] as FastEncoder;
      const ma = maxAbs[t] as number;
      for (let ri = 0; ri < ratios.length; ri++) {
        const s = this.scaleFor((amax * (ratios[ri] as number)) / ma);
        let err: number;
        if (s === 0) {
          if (zeroErr < 0) zeroErr = sumSquares(w, off, len);
          err = zeroErr;
        } else {
          err = enc.error(w, off, len, s, 0);
        }
        if (err < bestErr) {
          bestErr = err;
          bestT = t;
          bestS = s;
        }
      }
    }
    this.scale = bestS;
    this.encScale = bestS;
    this.id = bestT;
  }

  private decideMinmax(w: Float32Array, off: number, len: number): void {
    let lo = 0;
    let hi = 0;
    for (let i = off, end = off + len; i < end; i++) {
      const x = w[i] as number;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const enc = this.encoders[0] as FastEncoder;
    const qmax = 2 ** enc.bits - 1;
    const ratios = this.plan.ratios;
    const sdt = this.plan.storeDType;
    let bestErr = Infinity;
    let bestS = 0;
    let bestZ = 0;
    for (let ri = 0; ri < ratios.length; ri++) {
      const r = ratios[ri] as number;
      const s = storeScaleFast(((hi - lo) * r) / qmax, sdt);
      const z = s === 0 ? 0 : Math.min(Math.max(roundHalfEvenFast((-lo * r) / s), 0), qmax);
      if (ratios.length === 1) {
        bestS = s;
        bestZ = z;
        break;
      }
      const err = enc.error(w, off, len, s, z);
      if (err < bestErr) {
        bestErr = err;
        bestS = s;
        bestZ = z;
      }
    }
    this.scale = bestS;
    this.encScale = bestS;
    this.zero = bestZ;
  }
}

/** max |w| over a run (0 for an all-zero run), as the reference's absmaxOf. */
export function absmaxOf(w: Float32Array, off: number, len: number): number {
  let m = 0;
  for (let i = off, end = off + len; i < end; i++) {
    const a = Math.abs(w[i] as number);
    if (a > m) m = a;
  }
  return m;
}

/**
 * Decisions over the whole tensor that the rows need before they can be encoded: the unit of a
 * per-tensor granularity (every candidate's error summed over the whole tensor in element order,
 * as the reference does) and the NVFP4 tensor scale.
 */
export function tensorDecisions(plan: QuantizePlan, w: Float32Array): TensorDecisions {
  let nvTs: number | undefined;
  if (plan.spec.scaleRule === 'nvfp4') nvTs = nvfp4TensorScale(absmaxOf(w, 0, w.length));
  if (plan.layout.granularity !== 'tensor') return nvTs === undefined ? {} : { nvfp4TensorScale: nvTs };
  const d = new UnitDecider(plan, nvTs);
  d.decide(w, 0, w.length);
  const unit = { scale: d.scale, encScale: d.encScale, zero: d.zero, id: d.id };
  return nvTs === undefined ? { unit } : { unit, nvfp4TensorScale: nvTs };
}

/**
 * Quantizes `rows` whole rows of W (w holds exactly those rows) into `out` with the JavaScript
 * encoders, given the tensor-wide decisions. Expects finite weights (the caller checked them);
 * throws the reference's scale errors. (wasmQuantizeRows is the WebAssembly twin.)
 */
export function quantizeRowsJs(plan: QuantizePlan, w: Float32Array, rows: number, decisions: TensorDecisions, out: RowsOut): void {
  const { cols, bits, groupsPerRow } = plan;
  const groupSize = plan.layout.groupSize;
  const decider = new UnitDecider(plan, decisions.nvfp4TensorScale ?? 1);
  const encoders = decider.encoders;
  const fixed = decisions.unit;
  if (plan.layout.granularity === 'tensor' && !fixed) throw new Error('internal: per-tensor granularity without the tensor decision');
  const pk = new CodePacker(out.codes, bits, wordsPerRowFor(cols, bits));
  const { scales, zeros, ids } = out;
  for (let r = 0; r < rows; r++) {
    pk.startRow(r);
    for (let gr = 0; gr < groupsPerRow; gr++) {
      const g = r * groupsPerRow + gr;
      const off = g * groupSize;
      let scale: number;
      let encScale: number;
      let zero: number;
      let id: number;
      if (fixed) {
        ({ scale, encScale, zero, id } = fixed);
      } else {
        decider.decide(w, off, groupSize);
        ({ scale, encScale, zero, id } = decider);
      }
      scales[g] = scale;
      if (zeros) zeros[g] = zero;
      if (ids) ids[g] = id;
      (encoders[id] as FastEncoder).encode(w, off, groupSize, encScale, zero, pk);
    }
    pk.endRow();
  }
}

/**
 * Checks a quantize call like the reference does, in the reference's order (scheme, shape,
 * then, when a later check fails, a NaN/Inf weight first), and resolves its plan. The
 * finiteness of the weights is left to the caller when nothing else fails.
 */
export function planChecked(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions): QuantizePlan {
  const sc = getScheme(scheme);
  checkShape(w, rows, cols);
  try {
    return planQuantizeShape(sc, rows, cols, opts);
  } catch (err) {
    checkFinite(w, cols, scheme);
    throw err;
  }
}

/** The QuantizedTensor of a plan from its outputs. */
export function assembleTensor(plan: QuantizePlan, out: RowsOut, tensorScale: number): QuantizedTensor {
  return {
    scheme: plan.scheme,
    rows: plan.rows,
    cols: plan.cols,
    bits: plan.bits,
    groupSize: plan.layout.groupSize,
    granularity: plan.layout.granularity,
    codes: out.codes,
    wordsPerRow: wordsPerRowFor(plan.cols, plan.bits),
    elementTypes: plan.spec.elementTypes.slice(),
    ...(out.ids ? { dtypeIds: out.ids } : {}),
    idBits: idBitsFor(plan.encoders.length),
    scales: out.scales,
    scaleDType: plan.scaleDType,
    ...(out.zeros ? { zeros: out.zeros } : {}),
    tensorScale,
    hasTensorScale: plan.spec.scaleRule === 'nvfp4',
  };
}

/** The fast single-thread quantize: `quantizeReference`'s result, bit for bit. */
export function quantizeFast(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions = {}): QuantizedTensor {
  // llama.cpp's block formats have their own quantizers (src/ggml): the reference's path.
  if (getScheme(scheme).scaleRule === 'ggml') return quantizeReference(w, rows, cols, scheme, opts);
  const plan = planChecked(w, rows, cols, scheme, opts);
  const out = allocRowsOut(plan, rows);
  let wasm = wasmCovers(plan);
  // The WebAssembly kernel checks the weights as it goes (per-tensor units need them checked
  // first). A NaN does not change the NVFP4 tensor scale computed here; the kernel stops at it.
  if (wasm && plan.layout.granularity !== 'tensor') {
    const ts = plan.spec.scaleRule === 'nvfp4' ? nvfp4TensorScale(absmaxOf(w, 0, w.length)) : undefined;
    if (wasmQuantizeRows(plan, w, rows, ts === undefined ? {} : { nvfp4TensorScale: ts }, out)) return assembleTensor(plan, out, ts ?? 1);
    wasm = false;
  }
  checkFinite(w, cols, scheme);
  const decisions = tensorDecisions(plan, w);
  if (!(wasm && wasmQuantizeRows(plan, w, rows, decisions, out))) quantizeRowsJs(plan, w, rows, decisions, out);
  return assembleTensor(plan, out, decisions.nvfp4TensorScale ?? 1);
}

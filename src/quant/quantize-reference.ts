/**
 * The reference quantizer: W[N, K] (row-major f32, nn.Linear convention) -> QuantizedTensor,
 * written to be read. `quantize` (quantize.ts) runs the fast paths, which are proven bit-exact
 * against this function by tests/quant/fast-exact.test.ts; this one defines the results.
 *
 * Scales are shared by "units": a group of G consecutive weights of a row (granularity
 * 'group'), a whole row ('channel') or the whole tensor ('tensor'). In row-major order every unit
 * is one contiguous run of `w`, so one loop serves all three. Per unit the scheme's scale rule
 * (schemes.ts) picks the scale, the zero point and, for mixtures, the element datatype; codes
 * are then encoded with the *stored* scale.
 */
import { getEncoder, type ElementEncoder } from '../dtype/codec.js';
import { roundHalfEven } from '../dtype/rounding.js';
import { packCodes, wordsPerRowFor } from '../format/pack.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getScheme, type AnySchemeName, type SchemeSpec } from './schemes.js';
import { MSE_CLIP_RATIOS, NVFP4_ELEMENT_MAX, mxSharedExp, nvfp4TensorScale, storeScale } from './scale.js';
import { checkInput, elementEncoder, idBitsFor, resolveLayout, resolveScaleDType, type QuantizeOptions } from './quantize-plan.js';
import { quantizeGgml } from '../ggml/tensor.js';

function absmaxOf(w: Float32Array, off: number, len: number): number {
  let m = 0;
  for (let i = off, end = off + len; i < end; i++) {
    const a = Math.abs(w[i] as number);
    if (a > m) m = a;
  }
  return m;
}

function meanAbsOf(w: Float32Array, off: number, len: number): number {
  let s = 0;
  for (let i = off, end = off + len; i < end; i++) s += Math.abs(w[i] as number);
  return s / len;
}

/** Raw scale -> clamped (BitMoD) -> stored value. */
function scaleFor(raw: number, clamp: readonly [number, number] | undefined, dtype: 'f32' | 'f16'): number {
  const c = clamp ? Math.min(Math.max(raw, clamp[0]), clamp[1]) : raw;
  return storeScale(c, dtype);
}

interface UnitOut {
  readonly scale: Float64Array;
  readonly zero: Uint8Array | undefined;
  readonly id: Uint8Array | undefined;
}

/**
 * absmax rule, single type or mixture, with optional clip-ratio search. Candidates are tried
 * type-major in `encoders` order, ratios in MSE_CLIP_RATIOS order; a later candidate replaces
 * the current best only when its squared error is strictly lower (BitMoD's rule).
 */
function runAbsmax(w: Float32Array, codes: Uint8Array, unitLen: number, encoders: readonly ElementEncoder[], ratios: readonly number[], sc: SchemeSpec, sdt: 'f32' | 'f16', out: UnitOut): void {
  const units = w.length / unitLen;
  const single = encoders.length === 1 && ratios.length === 1;
  for (let u = 0; u < units; u++) {
    const off = u * unitLen;
    const amax = absmaxOf(w, off, unitLen);
    let bestErr = Infinity;
    let bestT = 0;
    let bestS = 0;
    let lastWasBest = true;
    for (let t = 0; t < encoders.length; t++) {
      const enc = encoders[t] as ElementEncoder;
      for (const r of ratios) {
        const s = scaleFor((amax * r) / enc.maxAbs, sc.scaleClamp, sdt);
        if (single) {
          enc.encodeSegment(w, off, unitLen, s, 0, codes, false);
          bestS = s;
          break;
        }
        const err = enc.encodeSegment(w, off, unitLen, s, 0, codes, true);
        lastWasBest = err < bestErr;
        if (lastWasBest) {
          bestErr = err;
          bestT = t;
          bestS = s;
        }
      }
    }
    // The codes buffer holds the last candidate; re-encode the winner when it was another one.
    if (!lastWasBest) (encoders[bestT] as ElementEncoder).encodeSegment(w, off, unitLen, bestS, 0, codes, false);
    out.scale[u] = bestS;
    if (out.id) out.id[u] = bestT;
  }
}

/** Asymmetric min/max rule (lo = min(w, 0), hi = max(w, 0)), with optional clip-ratio search. */
function runMinmax(w: Float32Array, codes: Uint8Array, unitLen: number, enc: ElementEncoder, ratios: readonly number[], sdt: 'f32' | 'f16', out: UnitOut): void {
  const units = w.length / unitLen;
  const qmax = 2 ** enc.dtype.bits - 1;
  const zeros = out.zero as Uint8Array;
  for (let u = 0; u < units; u++) {
    const off = u * unitLen;
    let lo = 0;
    let hi = 0;
    for (let i = off, end = off + unitLen; i < end; i++) {
      const x = w[i] as number;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    let bestErr = Infinity;
    let bestS = 0;
    let bestZ = 0;
    let lastWasBest = true;
    for (const r of ratios) {
      const s = storeScale(((hi - lo) * r) / qmax, sdt);
      const z = s === 0 ? 0 : Math.min(Math.max(roundHalfEven((-lo * r) / s), 0), qmax);
      if (ratios.length === 1) {
        enc.encodeSegment(w, off, unitLen, s, z, codes, false);
        bestS = s;
        bestZ = z;
        break;
      }
      const err = enc.encodeSegment(w, off, unitLen, s, z, codes, true);
      lastWasBest = err < bestErr;
      if (lastWasBest) {
        bestErr = err;
        bestS = s;
        bestZ = z;
      }
    }
    if (!lastWasBest) enc.encodeSegment(w, off, unitLen, bestS, bestZ, codes, false);
    out.scale[u] = bestS;
    zeros[u] = bestZ;
  }
}

/** OCP MX v1.0 section 6.3: E8M0 scale 2^(floor(log2(amax)) - emax_elem), elements RNE, saturating. */
function runMx(w: Float32Array, codes: Uint8Array, unitLen: number, enc: ElementEncoder, out: UnitOut): void {
  const units = w.length / unitLen;
  const emax = enc.dtype.info.emax;
  for (let u = 0; u < units; u++) {
    const off = u * unitLen;
    const s = 2 ** mxSharedExp(absmaxOf(w, off, unitLen), emax);
    enc.encodeSegment(w, off, unitLen, s, 0, codes, false);
    out.scale[u] = s;
  }
}

/** NVFP4: tensorScale = amax(W) / (6 * 448); block scale = E4M3(amax(block) / 6 / tensorScale). */
function runNvfp4(w: Float32Array, codes: Uint8Array, unitLen: number, enc: ElementEncoder, out: UnitOut): number {
  const ts = nvfp4TensorScale(absmaxOf(w, 0, w.length));
  const e4m3 = getEncoder('float8_e4m3fn');
  const e4m3Table = e4m3.dtype.decodeTable;
  const units = w.length / unitLen;
  for (let u = 0; u < units; u++) {
    const off = u * unitLen;
    const amax = absmaxOf(w, off, unitLen);
    const bs = amax === 0 || ts === 0 ? 0 : (e4m3Table[e4m3.encode(amax / NVFP4_ELEMENT_MAX / ts)] as number);
    // A zero block scale (all-zero block, or one that underflows E4M3) writes zero codes.
    enc.encodeSegment(w, off, unitLen, bs * ts, 0, codes, false);
    out.scale[u] = bs;
  }
  return ts;
}

/** Mean-|w| scale (ternary absmean, binary sign) with the scheme's element encoder. */
function runMeanAbs(w: Float32Array, codes: Uint8Array, unitLen: number, enc: ElementEncoder, sdt: 'f32' | 'f16', out: UnitOut): void {
  const units = w.length / unitLen;
  for (let u = 0; u < units; u++) {
    const off = u * unitLen;
    const s = storeScale(meanAbsOf(w, off, unitLen), sdt);
    enc.encodeSegment(w, off, unitLen, s, 0, codes, false);
    out.scale[u] = s;
  }
}

/**
 * Quantizes W[rows, cols] (row-major) with a scheme from the registry: the reference
 * implementation (see the module comment). Throws for unknown schemes, wrong lengths, NaN/Inf weights (naming the first (row, col)),
 * group sizes that do not divide K, and options the scheme does not support.
 */
export function quantizeReference(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions = {}): QuantizedTensor {
  const sc = getScheme(scheme);
  checkInput(w, rows, cols, scheme);
  // llama.cpp's block formats run their own reference quantizers (src/ggml).
  if (sc.scaleRule === 'ggml') return quantizeGgml(w, rows, cols, scheme, opts);
  const layout = resolveLayout(scheme, sc, rows, cols, opts.group);
  const scaleMode = opts.scale ?? 'absmax';
  if (scaleMode !== 'absmax' && scaleMode !== 'mse') throw new Error(`scale must be 'absmax' or 'mse', got '${String(scaleMode)}'`);
  if (scaleMode === 'mse' && !sc.mseSearch) throw new Error(`${scheme} has a fixed scale rule (${sc.scaleRule}); scale 'mse' is not supported`);
  const scaleDType = resolveScaleDType(scheme, sc, opts.scaleDType);
  const ratios = scaleMode === 'mse' ? MSE_CLIP_RATIOS : [1];
  const encoders = sc.elementTypes.map(elementEncoder);
  const bits = (encoders[0] as ElementEncoder).dtype.bits;
  for (const e of encoders) if (e.dtype.bits !== bits) throw new Error(`${scheme}: element types differ in width`);

  const n = rows * cols;
  const codes = new Uint8Array(n);
  const units = n / layout.unitLen;
  const out: UnitOut = {
    scale: new Float64Array(units),
    zero: sc.scaleRule === 'minmax' ? new Uint8Array(units) : undefined,
    id: encoders.length > 1 ? new Uint8Array(units) : undefined,
  };
  const enc0 = encoders[0] as ElementEncoder;
  const fsdt = scaleDType === 'f32' ? 'f32' : 'f16';
  let tensorScale = 1;
  switch (sc.scaleRule) {
    case 'absmax':
      runAbsmax(w, codes, layout.unitLen, encoders, ratios, sc, fsdt, out);
      break;
    case 'minmax':
      runMinmax(w, codes, layout.unitLen, enc0, ratios, fsdt, out);
      break;
    case 'mx':
      runMx(w, codes, layout.unitLen, enc0, out);
      break;
    case 'nvfp4':
      tensorScale = runNvfp4(w, codes, layout.unitLen, enc0, out);
      break;
    case 'absmean':
    case 'signmean':
      runMeanAbs(w, codes, layout.unitLen, enc0, fsdt, out);
      break;
  }

  // Expand per-unit values to per-group arrays (channel/tensor granularity repeat them).
  const groupsPerRow = cols / layout.groupSize;
  const groups = rows * groupsPerRow;
  const groupsPerUnit = groups / units;
  const scales = new Float32Array(groups);
  const zeros = out.zero ? new Uint8Array(groups) : undefined;
  const dtypeIds = out.id ? new Uint8Array(groups) : undefined;
  for (let g = 0; g < groups; g++) {
    const u = Math.floor(g / groupsPerUnit);
    scales[g] = out.scale[u] as number;
    if (zeros) zeros[g] = (out.zero as Uint8Array)[u] as number;
    if (dtypeIds) dtypeIds[g] = (out.id as Uint8Array)[u] as number;
  }

  return {
    scheme,
    rows,
    cols,
    bits,
    groupSize: layout.groupSize,
    granularity: layout.granularity,
    codes: packCodes(codes, rows, cols, bits),
    wordsPerRow: wordsPerRowFor(cols, bits),
    elementTypes: sc.elementTypes.slice(),
    ...(dtypeIds ? { dtypeIds } : {}),
    idBits: idBitsFor(encoders.length),
    scales,
    scaleDType,
    ...(zeros ? { zeros } : {}),
    tensorScale,
    hasTensorScale: sc.scaleRule === 'nvfp4',
  };
}


/**
 * quantize / dequantize: W[N, K] (row-major f32, nn.Linear convention) <-> QuantizedTensor.
 *
 * Scales are shared by "units": a group of G consecutive weights of a row (granularity
 * 'group'), a whole row ('channel') or the whole tensor ('tensor'). In row-major order every unit
 * is one contiguous run of `w`, so one loop serves all three. Per unit the scheme's scale rule
 * (schemes.ts) picks the scale, the zero point and, for mixtures, the element datatype; codes
 * are then encoded with the *stored* scale.
 *
 * Dequantization is w = (decode(code) - zero) * scale * tensorScale, evaluated left to right in
 * f32 (each product rounded to f32), the same order the GPU kernels use.
 */
import { createIntEncoder, getEncoder, type ElementEncoder } from '../dtype/codec.js';
import { getDType } from '../dtype/registry.js';
import { roundHalfEven } from '../dtype/rounding.js';
import { packCodes, wordsPerRowFor } from '../format/pack.js';
import type { Granularity, QuantizedTensor, ScaleDType } from '../format/quantized-tensor.js';
import { getScheme, type SchemeSpec } from './schemes.js';
import { MSE_CLIP_RATIOS, NVFP4_ELEMENT_MAX, mxSharedExp, nvfp4TensorScale, storeScale } from './scale.js';
import { quantizeGgml } from '../ggml/tensor.js';

/** Options of `quantize`. */
export interface QuantizeOptions {
  /** G > 0: groups of G along K (must divide K); 0: per output channel; -1: per tensor. */
  readonly group?: number;
  /** 'absmax' (default) or 'mse': clip-ratio search minimizing each unit's squared error. */
  readonly scale?: 'absmax' | 'mse';
  /** Storage type of the scales for schemes that store f16 or f32 scales. */
  readonly scaleDType?: 'f32' | 'f16';
}

/** Where a scheme's scales apply: granularity, group size and elements per scale. */
export interface Layout {
  readonly granularity: Granularity;
  readonly groupSize: number;
  /** Elements sharing one scale (contiguous in row-major order). */
  readonly unitLen: number;
}

/** The granularity rules of a scheme and group option; the errors name the scheme and sizes. */
export function resolveLayout(name: string, sc: SchemeSpec, rows: number, cols: number, group: number | undefined): Layout {
  if (sc.fixedBlock !== undefined) {
    const b = sc.fixedBlock;
    if (group !== undefined && group !== b) {
      throw new Error(`${name} uses a fixed block of ${b} along K; group ${group} is not supported (omit it or pass ${b})`);
    }
    if (cols % b !== 0) throw new Error(`${name} needs K to be a multiple of its block size ${b}; got K=${cols}`);
    return { granularity: 'group', groupSize: b, unitLen: b };
  }
  const g = group ?? sc.defaultGroup;
  if (!Number.isInteger(g) || g < -1) {
    throw new Error(`group must be a positive group size, 0 (per channel) or -1 (per tensor); got ${g}`);
  }
  const granularity: Granularity = g > 0 ? 'group' : g === 0 ? 'channel' : 'tensor';
  if (!sc.granularities.includes(granularity)) {
    throw new Error(`${name} does not support ${granularity} granularity (supports: ${sc.granularities.join(', ')})`);
  }
  if (granularity === 'group') {
    if (cols % g !== 0) {
      throw new Error(`group size G=${g} does not divide K=${cols}; use a divisor of ${cols}, 0 (per channel) or -1 (per tensor)`);
    }
    return { granularity, groupSize: g, unitLen: g };
  }
  return { granularity, groupSize: cols, unitLen: granularity === 'channel' ? cols : rows * cols };
}

function resolveScaleDType(name: string, sc: SchemeSpec, requested: 'f32' | 'f16' | undefined): ScaleDType {
  if (requested === undefined) return sc.defaultScaleDType;
  if (!sc.scaleDTypes.includes(requested)) {
    throw new Error(`${name} stores its scales as ${sc.scaleDTypes.join(' or ')}; scaleDType '${requested}' is not supported`);
  }
  return requested;
}

/** Shape and finiteness checks of quantize's input; the error names the first bad weight. */
export function checkInput(w: Float32Array, rows: number, cols: number, scheme: string): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new RangeError(`quantize: rows and cols must be positive integers, got ${rows} x ${cols}`);
  }
  if (w.length !== rows * cols) {
    throw new RangeError(`quantize: weights have ${w.length} elements, expected rows * cols = ${rows} x ${cols} = ${rows * cols}`);
  }
  for (let i = 0; i < w.length; i++) {
    const x = w[i] as number;
    if (x - x !== 0) {
      throw new RangeError(`quantize (${scheme}): weight at (row ${Math.floor(i / cols)}, col ${i % cols}) is ${x}; NaN/Inf weights cannot be quantized`);
    }
  }
}

/** The encoder of one element type in a scheme: signed integers use the symmetric range. */
function elementEncoder(name: string): ElementEncoder {
  const dt = getDType(name);
  if (dt.spec.kind === 'int' && dt.spec.signed) {
    const qmax = 2 ** (dt.bits - 1) - 1;
    return createIntEncoder(dt, -qmax, qmax);
  }
  return getEncoder(dt);
}

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

/** Bits needed to store an id into a list of n datatypes. */
export function idBitsFor(n: number): number {
  return n > 1 ? Math.ceil(Math.log2(n)) : 0;
}

/**
 * Quantizes W[rows, cols] (row-major) with a scheme from the registry.
 * Throws for unknown schemes, wrong lengths, NaN/Inf weights (naming the first (row, col)),
 * group sizes that do not divide K, and options the scheme does not support.
 */
export function quantize(w: Float32Array, rows: number, cols: number, scheme: string, opts: QuantizeOptions = {}): QuantizedTensor {
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

/**
 * Dequantizes to row-major f32: w = (decode(code) - zero) * scale * tensorScale - offset, left to
 * right in f32 (the offset only for tensors that have offsets: ggml's Q4_1/Q5_1 and k-quants).
 * `out`, when given, must hold rows * cols values.
 */
export function dequantize(qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const { rows, cols, bits, groupSize, wordsPerRow, codes, scales, zeros, dtypeIds, tensorScale, offsets } = qt;
  const n = rows * cols;
  const dst = out ?? new Float32Array(n);
  if (dst.length !== n) throw new RangeError(`dequantize: out has ${dst.length} elements, needs ${rows} x ${cols} = ${n}`);
  if (cols % groupSize !== 0) throw new RangeError(`dequantize: groupSize ${groupSize} does not divide K=${cols}`);
  const groupsPerRow = cols / groupSize;
  if (scales.length !== rows * groupsPerRow) throw new RangeError(`dequantize: ${scales.length} scales for ${rows * groupsPerRow} groups`);
  if (offsets && offsets.length !== scales.length) throw new RangeError(`dequantize: ${offsets.length} offsets for ${scales.length} groups`);
  if (codes.length !== rows * wordsPerRow || wordsPerRow !== wordsPerRowFor(cols, bits)) {
    throw new RangeError(`dequantize: ${codes.length} code words do not match ${rows} rows x ${wordsPerRowFor(cols, bits)} words`);
  }
  const tables = qt.elementTypes.map((name) => getDType(name).decodeTable);
  const mask = (1 << bits) - 1;
  const useTs = qt.hasTensorScale || tensorScale !== 1;
  const f = Math.fround;
  for (let r = 0; r < rows; r++) {
    const base = r * wordsPerRow;
    let bit = 0;
    let i = r * cols;
    for (let g = 0; g < groupsPerRow; g++) {
      const gi = r * groupsPerRow + g;
      const table = tables[dtypeIds ? (dtypeIds[gi] as number) : 0] as Float32Array;
      const s = scales[gi] as number;
      const z = zeros ? (zeros[gi] as number) : 0;
      const o = offsets ? (offsets[gi] as number) : 0;
      for (let k = 0; k < groupSize; k++, bit += bits, i++) {
        const wi = base + (bit >>> 5);
        const sh = bit & 31;
        let c = (codes[wi] as number) >>> sh;
        if (sh + bits > 32) c |= (codes[wi + 1] as number) << (32 - sh);
        const v = f(f((table[c & mask] as number) - z) * s);
        const t = useTs ? f(v * tensorScale) : v;
        dst[i] = offsets ? t - o : t;
      }
    }
  }
  return dst;
}

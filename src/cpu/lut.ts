/**
 * The `lut` kernels: LUT Tensor Core / T-MAC table-lookup mpGEMM over bit planes
 * (LUT Tensor Core, ISCA 2025; T-MAC, EuroSys 2025; docs/KERNELS.md), with f32 tables (`lut-f32`) or int8 tables (`lut-i8`).
 *
 * Weights. Every supported element type decodes affinely from its unsigned (offset-binary) code
 * q_u (src/format/bitplanes.ts): value = alpha * q_u + beta - zero, with
 *   signed int b (two's complement, MSB flipped): alpha 1, beta -2^(b-1);
 *   ternary (int2 codes): alpha 1, beta -2;  asymmetric uint b: alpha 1, beta 0, zero per group;
 *   binary: alpha 2, beta -1 (value = 2 b - 1 = s directly).
 * With planes s_i = 2 bit_i(q_u) - 1, q_u = sum_i 2^(i-1) s_i + (2^b - 1) / 2, so
 *   value = sum_i a_i s_i + c0,   a_i = alpha 2^(i-1),   c0 = alpha (2^b - 1) / 2 + beta - zero.
 *
 * Activations. K is split into 4-groups t (x past K reads as 0). Per 4-group the table
 *   T_t[idx] = sum_j s_j(idx) x_{4t+j},  s_j = +1 if bit j of idx is set, else -1,
 * is built from two rounded pair sums, T[idx] = fl(fl(+-x0 +-x1) + fl(+-x2 +-x3)), for the 8
 * indices with bit 3 clear only; T[~idx] = -T[idx] (symmetrization: exact, since round-to-
 * nearest-even is odd-symmetric). Tables are built once per activation row and reused by all N
 * rows of W. A quant group g of row n then contributes
 *   scale_g * (sum_i a_i * sum_{t in g} T_t[nibble_i(t)] + c0_g * sum_{k in g} x_k),
 * i.e. the zero point is folded in as -zero * scale * sum(x_group).
 *
 * lut-i8: one table scale per block of B activations (default 64, T-MAC's), per activation row:
 *   lut_scale = max over the block's 4-groups of (|x0|+|x1|+|x2|+|x3|) / 127,
 * entries round half away from zero (so T[~idx] = -T[idx] still holds) and saturate to +-127.
 * Lookups are summed as integers (plane i weighted 2^i) per segment (a block within a quant
 * group) and rescaled once per segment by lut_scale * alpha / 2, in f32 steps:
 *   p = fl(p + fl(lut_scale * isum)) per segment,  grp = fl(fl(p * alpha/2) + fl(c0 * xs_g)),
 *   acc = fl(acc + fl(grp * scale_g)),
 * every product and sum rounded once to f32, so SIMD f32 arithmetic (wasm-lut-i8) equals it bit
 * for bit.
 *
 * Error bounds (docs/KERNELS.md): both variants are checked with c = boundConstant(roundings of
 * the oracle's w, K) plus a per-output extra from `lutF32ErrorBound` / `lutI8ErrorBound`; the
 * extra is needed because the bit-plane sum cancels (a zero weight still looks up +-x terms).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { isTwosComplementType, toBitPlanes, type BitPlanes } from '../format/bitplanes.js';
import { WORD_BITS } from '../format/pack.js';
import { getDType } from '../dtype/registry.js';
import { getScheme, SCHEME_NAMES } from '../quant/schemes.js';
import { checkMatmulArgs } from './args.js';
import { BOUND_SLACK, boundConstant, gamma } from './bound.js';
import { NO_BYTES } from './dequant.js';
import { ggmlKernelRefusal } from './ggml-support.js';
import { lutValueView, valuePlaneTypes } from './lut-values.js';

/** Activations per table (LUT Tensor Core / T-MAC g = 4). */
export const LUT_GROUP = 4;
/** Entries per table: 2^LUT_GROUP. */
export const LUT_ENTRIES = 1 << LUT_GROUP;
/** Entries computed directly; the other half are their negations. */
export const LUT_HALF = LUT_ENTRIES >> 1;
/** Mask of one table index (a plane nibble). */
const NIBBLE = LUT_ENTRIES - 1;
/** 4-groups per u32 plane word. */
const GROUPS_PER_WORD = WORD_BITS / LUT_GROUP;
/** Largest int8 table entry magnitude (symmetric range, so negation never overflows). */
export const LUT_I8_MAX = 127;
/** Default activations per int8 table scale (T-MAC). */
export const LUT_DEFAULT_BLOCK = 64;
/** Widest code the lut kernels take (one lookup per plane). */
export const LUT_MAX_BITS = 4;

/** Options of the lut kernels. */
export interface LutOptions {
  /** lut-i8 only: activations per table scale, a positive multiple of 4 (default 64). */
  readonly block?: number;
}

/** How an element type decodes from its offset-binary code: value = alpha * q_u + beta (- zero). */
export interface LutDecode {
  readonly alpha: number;
  readonly beta: number;
  readonly bits: number;
}

const decodeCache = new Map<string, LutDecode | string>();

/**
 * The affine decode of an element type over its offset-binary codes (see the file comment), or
 * the reason the lut kernels cannot take it. Derived from the decode table, not from names.
 */
export function lutDecode(elementType: string): LutDecode | string {
  const hit = decodeCache.get(elementType);
  if (hit !== undefined) return hit;
  const dt = getDType(elementType);
  let result: LutDecode | string;
  if (dt.bits > LUT_MAX_BITS) {
    result = `element type ${elementType} has ${dt.bits}-bit codes (lut takes at most ${LUT_MAX_BITS})`;
  } else {
    const flip = isTwosComplementType(elementType) ? 1 << (dt.bits - 1) : 0;
    const pts: Array<[number, number]> = [];
    for (let c = 0; c < 1 << dt.bits; c++) {
      const v = dt.decodeTable[c];
      if (Number.isFinite(v)) pts.push([c ^ flip, v]);
    }
    result = `element type ${elementType} does not decode as an affine function of its bit planes`;
    if (pts.length >= 2) {
      const [q0, v0] = pts[0];
      const [q1, v1] = pts[1];
      const alpha = (v1 - v0) / (q1 - q0);
      const beta = v0 - alpha * q0;
      const isPow2 = alpha > 0 && 2 ** Math.round(Math.log2(alpha)) === alpha;
      if (isPow2 && Number.isInteger(beta * 2) && pts.every(([q, v]) => alpha * q + beta === v)) result = { alpha, beta, bits: dt.bits };
    }
  }
  decodeCache.set(elementType, result);
  return result;
}

/** Schemes the lut kernels take, in registry order. */
export function lutSchemes(): string[] {
  return SCHEME_NAMES.filter((s) => lutSupportReason(getScheme(s).elementTypes) === undefined);
}

function lutSupportReason(elementTypes: readonly string[]): string | undefined {
  if (elementTypes.length !== 1) return `it mixes ${elementTypes.length} element types per group`;
  const d = lutDecode(elementTypes[0]);
  return typeof d === 'string' ? d : undefined;
}

/** Schemes the CPU lut kernels take: lutSchemes() and those with value planes (src/cpu/lut-values.ts), in registry order. */
export function lutValueSchemes(): string[] {
  return SCHEME_NAMES.filter((s) => targetReason(s, true) === undefined);
}

/** Why the lut kernels cannot take `target` (see lutSupport), or undefined. */
function targetReason(target: QuantizedTensor | string, values: boolean): string | undefined {
  const ggml = ggmlKernelRefusal(target);
  if (ggml !== undefined) return ggml;
  const types = typeof target === 'string' ? getScheme(target).elementTypes : target.elementTypes;
  const why = lutSupportReason(types);
  if (why === undefined || !values) return why;
  const v = typeof target === 'string' ? valuePlaneTypes(types) : lutValueView(target);
  return typeof v === 'string' ? `${why}, and no value planes: ${v}` : undefined;
}

/**
 * true when the lut kernels take `target` (a scheme name or a quantized tensor), else the
 * reason: a ggml block format, a mixture, codes wider than 4 bits, a non-affine codebook, or
 * quant groups that do not align with the 4-groups (G not a multiple of 4 with more than one
 * group per row). With `values` (the CPU kernels: lut-f32, lut-i8, wasm-lut-i8) also the
 * element types whose values are small integers of one unit, through their value planes
 * (lutValueView); the GPU lut kernels read the codes' own planes only.
 */
export function lutSupport(target: QuantizedTensor | string, kernel = 'lut', values = false): true | string {
  const scheme = typeof target === 'string' ? target : target.scheme;
  const why = targetReason(target, values);
  // The list of supported schemes only for a refusal (building it walks the registry: every call paid for it).
  if (why !== undefined) return `kernel ${kernel} does not support scheme ${scheme}: ${why} (supported: ${(values ? lutValueSchemes() : lutSchemes()).join(', ')})`;
  if (typeof target !== 'string' && target.groupSize % LUT_GROUP !== 0 && target.groupSize !== target.cols) {
    return `kernel ${kernel} does not support scheme ${scheme} with group size ${target.groupSize}: quant groups must be a multiple of ${LUT_GROUP} (or one group per row)`;
  }
  return true;
}

/** What a CPU lut kernel runs for `qt`: the tensor whose bit planes it reads (qt, or its value-plane view) and their decode. */
export interface LutPlan {
  readonly qt: QuantizedTensor;
  readonly dec: LutDecode;
}

/** The CPU lut kernels' plan for `qt` (codes' own planes when affine, else value planes), or throws the refusal naming `kernel`. */
export function lutPlan(qt: QuantizedTensor, kernel: string): LutPlan {
  const ok = lutSupport(qt, kernel, true);
  if (ok !== true) throw new Error(ok);
  if (lutSupportReason(qt.elementTypes) === undefined) return { qt, dec: lutDecode(qt.elementTypes[0]) as LutDecode };
  const view = lutValueView(qt) as QuantizedTensor;
  return { qt: view, dec: { alpha: 1, beta: 0, bits: view.bits } };
}

const planeCache = new WeakMap<QuantizedTensor, { codes: Uint32Array; bp: BitPlanes }>();

/**
 * Bit planes of `qt`, cached per tensor object (re-derived when `qt.codes` is a different array;
 * in-place edits of the codes are not detected).
 */
export function cachedBitPlanes(qt: QuantizedTensor): BitPlanes {
  const hit = planeCache.get(qt);
  if (hit && hit.codes === qt.codes) return hit.bp;
  const bp = toBitPlanes(qt);
  planeCache.set(qt, { codes: qt.codes, bp });
  return bp;
}

/**
 * Builds the symmetrized f32 table of one 4-group: x[off..off+len) (len < 4 pads with 0) into
 * T[tOff..tOff+16). Only the 8 entries with bit 3 clear are computed; T[15 - idx] = -T[idx].
 */
export function buildLutF32(x: ArrayLike<number>, off: number, len: number, T: Float32Array, tOff: number): void {
  const f = Math.fround;
  const x0 = len > 0 ? x[off] : 0;
  const x1 = len > 1 ? x[off + 1] : 0;
  const x2 = len > 2 ? x[off + 2] : 0;
  const x3 = len > 3 ? x[off + 3] : 0;
  // Pair sums by the two index bits: p[0b11] = x0 + x1, p[0b01] = x0 - x1, p[0b10] = -p[0b01], p[0b00] = -p[0b11].
  const a = f(x0 + x1);
  const b = f(x0 - x1);
  const c = f(x2 + x3);
  const d = f(x2 - x3);
  // idx bits 3..2 = 00 -> -c, 01 -> +d (x2 - x3); bits 1..0 = 00 -> -a, 01 -> b, 10 -> -b, 11 -> a.
  const e0 = f(-a - c);
  const e1 = f(b - c);
  const e2 = f(-b - c);
  const e3 = f(a - c);
  const e4 = f(d - a);
  const e5 = f(b + d);
  const e6 = f(d - b);
  const e7 = f(a + d);
  T[tOff] = e0;
  T[tOff + 1] = e1;
  T[tOff + 2] = e2;
  T[tOff + 3] = e3;
  T[tOff + 4] = e4;
  T[tOff + 5] = e5;
  T[tOff + 6] = e6;
  T[tOff + 7] = e7;
  T[tOff + 15] = -e0;
  T[tOff + 14] = -e1;
  T[tOff + 13] = -e2;
  T[tOff + 12] = -e3;
  T[tOff + 11] = -e4;
  T[tOff + 10] = -e5;
  T[tOff + 9] = -e6;
  T[tOff + 8] = -e7;
}

/** Round half away from zero (odd-symmetric, so the int8 table stays symmetric). */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(0.5 - v) : Math.floor(v + 0.5);
}

/**
 * int8 table of one 4-group from its f32 table: Q[idx] = sat(round(T[idx] / lutScale)) for the 8
 * entries with bit 3 clear, Q[15 - idx] = -Q[idx]. A zero lutScale gives a zero table.
 */
export function quantizeLutI8(T: Float32Array, tOff: number, lutScale: number, Q: Int8Array, qOff: number): void {
  for (let idx = 0; idx < LUT_HALF; idx++) {
    let q = lutScale > 0 ? roundHalfAway(T[tOff + idx] / lutScale) : 0;
    if (q > LUT_I8_MAX) q = LUT_I8_MAX;
    else if (q < -LUT_I8_MAX) q = -LUT_I8_MAX;
    Q[qOff + idx] = q;
    Q[qOff + NIBBLE - idx] = -q;
  }
}

/** f32 (|x0| + |x1| + |x2| + |x3|) of the 4-group at t (past K reads as 0). */
function absSum4(x: Float32Array, xo: number, k: number, t: number): number {
  const f = Math.fround;
  const k0 = t * LUT_GROUP;
  let s = 0;
  for (let j = 0; j < LUT_GROUP && k0 + j < k; j++) s = f(s + Math.abs(x[xo + k0 + j]));
  return s;
}

/**
 * Per-block int8 table scales of activation row i: lutScale[beta] = fl(max_t fl(sum |x|) / 127)
 * over the 4-groups t of block beta (block = `block` activations).
 */
export function lutI8Scales(x: Float32Array, i: number, k: number, block: number, out?: Float32Array): Float32Array {
  const nb = Math.ceil(k / block);
  const s = out ?? new Float32Array(nb);
  const xo = i * k;
  const per = block / LUT_GROUP;
  const nt = Math.ceil(k / LUT_GROUP);
  for (let b = 0; b < nb; b++) {
    let mx = 0;
    for (let t = b * per; t < Math.min(nt, (b + 1) * per); t++) mx = Math.max(mx, absSum4(x, xo, k, t));
    s[b] = Math.fround(mx / LUT_I8_MAX);
  }
  return s;
}

/** Sum over 4-groups t in [t0, t1) of T[t * 16 + nibble t of the plane row at pOff]; f32 accumulation. */
function planeSumF32(T: Float32Array, planes: Uint32Array, pOff: number, t0: number, t1: number): number {
  const f = Math.fround;
  let acc = 0;
  let t = t0;
  for (; t < t1 && (t & (GROUPS_PER_WORD - 1)) !== 0; t++) {
    acc = f(acc + T[t * LUT_ENTRIES + ((planes[pOff + (t >>> 3)] >>> ((t & 7) << 2)) & NIBBLE)]);
  }
  for (; t + GROUPS_PER_WORD <= t1; t += GROUPS_PER_WORD) {
    const w = planes[pOff + (t >>> 3)];
    const b = t * LUT_ENTRIES;
    // Eight lookups summed in f64 (error <= 8 * 2^-53 relative), then one f32 rounding.
    acc = f(
      acc +
        (T[b + (w & NIBBLE)] +
          T[b + 16 + ((w >>> 4) & NIBBLE)] +
          T[b + 32 + ((w >>> 8) & NIBBLE)] +
          T[b + 48 + ((w >>> 12) & NIBBLE)] +
          T[b + 64 + ((w >>> 16) & NIBBLE)] +
          T[b + 80 + ((w >>> 20) & NIBBLE)] +
          T[b + 96 + ((w >>> 24) & NIBBLE)] +
          T[b + 112 + (w >>> 28)]),
    );
  }
  for (; t < t1; t++) {
    acc = f(acc + T[t * LUT_ENTRIES + ((planes[pOff + (t >>> 3)] >>> ((t & 7) << 2)) & NIBBLE)]);
  }
  return acc;
}

/** Integer sum over 4-groups t in [t0, t1) of Q[t * 16 + nibble]; exact. */
function planeSumI8(Q: Int8Array, planes: Uint32Array, pOff: number, t0: number, t1: number): number {
  let acc = 0;
  let t = t0;
  for (; t < t1 && (t & (GROUPS_PER_WORD - 1)) !== 0; t++) {
    acc += Q[t * LUT_ENTRIES + ((planes[pOff + (t >>> 3)] >>> ((t & 7) << 2)) & NIBBLE)];
  }
  for (; t + GROUPS_PER_WORD <= t1; t += GROUPS_PER_WORD) {
    const w = planes[pOff + (t >>> 3)];
    const b = t * LUT_ENTRIES;
    acc +=
      Q[b + (w & NIBBLE)] +
      Q[b + 16 + ((w >>> 4) & NIBBLE)] +
      Q[b + 32 + ((w >>> 8) & NIBBLE)] +
      Q[b + 48 + ((w >>> 12) & NIBBLE)] +
      Q[b + 64 + ((w >>> 16) & NIBBLE)] +
      Q[b + 80 + ((w >>> 20) & NIBBLE)] +
      Q[b + 96 + ((w >>> 24) & NIBBLE)] +
      Q[b + 112 + (w >>> 28)];
  }
  for (; t < t1; t++) acc += Q[t * LUT_ENTRIES + ((planes[pOff + (t >>> 3)] >>> ((t & 7) << 2)) & NIBBLE)];
  return acc;
}

/** Layout numbers shared by the kernels and the bounds. */
interface LutLayout {
  readonly n: number;
  readonly k: number;
  readonly gs: number;
  readonly ng: number;
  /** 4-groups per quant group (the last group of a row may hold fewer real ones). */
  readonly g4: number;
  /** 4-groups holding real activations: ceil(K / 4). */
  readonly nt: number;
  readonly half: number;
}

function layoutOf(qt: QuantizedTensor, dec: LutDecode): LutLayout {
  const k = qt.cols;
  const gs = qt.groupSize;
  const ng = k / gs;
  const nt = Math.ceil(k / LUT_GROUP);
  return { n: qt.rows, k, gs, ng, g4: ng === 1 ? nt : gs / LUT_GROUP, nt, half: (dec.alpha * ((1 << dec.bits) - 1)) / 2 };
}

/** Fills T (tables of every 4-group of activation row i) and xs (f32 sum of x per quant group). */
function prepareRow(x: Float32Array, i: number, L: LutLayout, T: Float32Array, xs: Float32Array): void {
  const f = Math.fround;
  const xo = i * L.k;
  for (let t = 0; t < L.nt; t++) {
    const k0 = t * LUT_GROUP;
    buildLutF32(x, xo + k0, Math.min(LUT_GROUP, L.k - k0), T, t * LUT_ENTRIES);
  }
  for (let g = 0; g < L.ng; g++) {
    let s = 0;
    for (let kk = g * L.gs, end = kk + L.gs; kk < end; kk++) s = f(s + x[xo + kk]);
    xs[g] = s;
  }
}

/**
 * lut-f32: Y[M, N] = X . W^T by table lookup over bit planes with f32 tables (file comment).
 * Tables are built once per activation row and reused for all N rows.
 */
export function matmulLutF32(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const y = checkMatmulArgs('lut-f32', x, m, qt, out);
  const { qt: t, dec } = lutPlan(qt, 'lut-f32');
  const bp = cachedBitPlanes(t);
  const { zeros } = t;
  lutF32Core(
    x, m, layoutOf(t, dec), dec, bp.planes, bp.wordsPerRow, t.scales, zeros ?? NO_BYTES, zeros !== undefined,
    t.tensorScale, t.hasTensorScale || t.tensorScale !== 1, y,
  );
  return y;
}

/** The lut-f32 loops over typed arrays, numbers and fixed-shape records only (monomorphic for every scheme). */
function lutF32Core(
  x: Float32Array, m: number, L: LutLayout, dec: LutDecode, planes: Uint32Array, wpp: number,
  scales: Float32Array, zeros: Uint8Array, hasZeros: boolean, ts: number, useTs: boolean, y: Float32Array,
): void {
  const bits = dec.bits;
  const f = Math.fround;
  const T = new Float32Array(L.nt * LUT_ENTRIES);
  const xs = new Float32Array(L.ng);
  const c0Base = L.half + dec.beta;
  for (let i = 0; i < m; i++) {
    prepareRow(x, i, L, T, xs);
    for (let r = 0; r < L.n; r++) {
      const pBase = r * bits * wpp;
      const gBase = r * L.ng;
      let acc = 0;
      for (let g = 0; g < L.ng; g++) {
        const t0 = g * L.g4;
        const t1 = Math.min(t0 + L.g4, L.nt);
        let p = 0;
        // Plane i weighs a_i = alpha * 2^(i-1): a power of two, so the scaling is exact.
        let a = dec.alpha / 2;
        for (let pl = 0; pl < bits; pl++, a *= 2) p = f(p + a * planeSumF32(T, planes, pBase + pl * wpp, t0, t1));
        const c0 = hasZeros ? c0Base - zeros[gBase + g] : c0Base;
        const grp = f(p + c0 * xs[g]);
        acc = f(acc + f(grp * scales[gBase + g]));
      }
      y[i * L.n + r] = useTs ? f(acc * ts) : acc;
    }
  }
}

function checkBlock(block: number): void {
  if (!Number.isInteger(block) || block < LUT_GROUP || block % LUT_GROUP !== 0) {
    throw new RangeError(`lut-i8: table block must be a positive multiple of ${LUT_GROUP} activations, got ${block}`);
  }
}

/**
 * lut-i8: like lut-f32, but with int8 tables (one scale per block of activations, default 64),
 * integer lookup sums per (block, quant group) segment, one rescale per segment (file comment).
 */
export function matmulLutI8(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array, opts: LutOptions = {}): Float32Array {
  const y = checkMatmulArgs('lut-i8', x, m, qt, out);
  const { qt: t, dec } = lutPlan(qt, 'lut-i8');
  const block = opts.block ?? LUT_DEFAULT_BLOCK;
  checkBlock(block);
  const bp = cachedBitPlanes(t);
  const { zeros } = t;
  lutI8Core(
    x, m, layoutOf(t, dec), dec, block, bp.planes, bp.wordsPerRow, t.scales, zeros ?? NO_BYTES, zeros !== undefined,
    t.tensorScale, t.hasTensorScale || t.tensorScale !== 1, y,
  );
  return y;
}

/** The lut-i8 loops (monomorphic for every scheme, as lutF32Core). */
function lutI8Core(
  x: Float32Array, m: number, L: LutLayout, dec: LutDecode, block: number, planes: Uint32Array, wpp: number,
  scales: Float32Array, zeros: Uint8Array, hasZeros: boolean, ts: number, useTs: boolean, y: Float32Array,
): void {
  const bits = dec.bits;
  const f = Math.fround;
  const bt = block / LUT_GROUP;
  const T = new Float32Array(L.nt * LUT_ENTRIES);
  const Q = new Int8Array(L.nt * LUT_ENTRIES);
  const xs = new Float32Array(L.ng);
  const ls = new Float32Array(Math.ceil(L.k / block));
  const c0Base = L.half + dec.beta;
  // Integer plane weights 2^i; the sum is rescaled by lut_scale * alpha / 2 (a_i = alpha 2^(i-1)).
  const halfAlpha = dec.alpha / 2;
  for (let i = 0; i < m; i++) {
    prepareRow(x, i, L, T, xs);
    lutI8Scales(x, i, L.k, block, ls);
    for (let t = 0; t < L.nt; t++) quantizeLutI8(T, t * LUT_ENTRIES, ls[Math.floor(t / bt)], Q, t * LUT_ENTRIES);
    for (let r = 0; r < L.n; r++) {
      const pBase = r * bits * wpp;
      const gBase = r * L.ng;
      let acc = 0;
      for (let g = 0; g < L.ng; g++) {
        const t0 = g * L.g4;
        const t1 = Math.min(t0 + L.g4, L.nt);
        let p = 0;
        // Segments: the part of the quant group inside one table block.
        for (let sa = t0; sa < t1; ) {
          const blk = Math.floor(sa / bt);
          const sb = Math.min(t1, (blk + 1) * bt);
          let isum = 0;
          for (let pl = 0, w = 1; pl < bits; pl++, w *= 2) isum += w * planeSumI8(Q, planes, pBase + pl * wpp, sa, sb);
          // f32 steps (each product and sum rounded once), which f32 SIMD does as they stand.
          p = f(p + f(ls[blk] * isum));
          sa = sb;
        }
        const c0 = hasZeros ? c0Base - zeros[gBase + g] : c0Base;
        // p * halfAlpha is exact (a power of two) barring under/overflow; c0 * xs rounds once.
        const grp = f(f(p * halfAlpha) + f(c0 * xs[g]));
        acc = f(acc + f(grp * scales[gBase + g]));
      }
      y[i * L.n + r] = useTs ? f(acc * ts) : acc;
    }
  }
}

/** The c of the lut kernels: only the oracle's rounding of w (1, or 2 with a tensor scale) is charged to it. */
export function lutBoundC(qt: QuantizedTensor): number {
  return boundConstant(qt.hasTensorScale || qt.tensorScale !== 1 ? 2 : 1, qt.cols);
}

/**
 * f32 roundings along the longest path of a lut term (docs/KERNELS.md):
 * lookup path: table 2 + plane accumulation g4 + plane combine `bits` + zero add 1 + scale 1
 * + output accumulation ng (+1 tensor scale); x-sum path: (G - 1) + 1 + 1 + 1 + ng (+1).
 */
function lutRoundings(L: LutLayout, bits: number, planeAcc: number, useTs: boolean): number {
  return Math.max(2 + planeAcc + bits, L.gs + 1) + 2 + L.ng + (useTs ? 1 : 0);
}

/**
 * Per-output extra allowance of lut-f32, row-major [M, N]:
 *   SLACK * gamma_L * sum_g |scale_g * tensorScale| * (alpha (2^b - 1)/2 + |c0_g|) * sum_{k in g} |x_k|,
 * the f32 error of the bit-plane sum measured against the magnitude of its terms (which can
 * exceed sum |x w|: a zero weight still looks up +-x).
 */
export function lutF32ErrorBound(x: Float32Array, qt0: QuantizedTensor, m: number): Float64Array {
  checkMatmulArgs('lut-f32 bound', x, m, qt0);
  const { qt, dec } = lutPlan(qt0, 'lut-f32');
  const L = layoutOf(qt, dec);
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const gam = gamma(lutRoundings(L, dec.bits, L.g4, useTs));
  return perGroupBound(x, qt, m, L, dec, (_g, ax) => gam * ax);
}

/**
 * Per-output extra allowance of lut-i8, row-major [M, N] (docs/KERNELS.md): each lookup's entry
 * is off by at most lut_scale/2 from the f32 table, and plane i weighs a_i = alpha 2^(i-1), so a
 * 4-group t of quant group g adds at most sum_i a_i * lut_scale(t) / 2 = alpha (2^b-1)/2 * ls/2;
 * times |scale_g * tensorScale|. On top, the f32 arithmetic as in lutF32ErrorBound (with the
 * integer lookup sums exact and one rounding per segment):
 *   SLACK * sum_g |s_g ts| * [ (1 + gamma_L) * alpha (2^b-1)/2 * Lambda_g / 2
 *                              + gamma_L * (alpha (2^b-1)/2 + |c0_g|) * sum_{k in g} |x_k| ],
 *   Lambda_g = sum over the 4-groups t of g of lut_scale(block of t).
 * Computed from the actual lut scales of each activation row.
 */
export function lutI8ErrorBound(x: Float32Array, qt0: QuantizedTensor, m: number, opts: LutOptions = {}): Float64Array {
  checkMatmulArgs('lut-i8 bound', x, m, qt0);
  const { qt, dec } = lutPlan(qt0, 'lut-i8');
  const block = opts.block ?? LUT_DEFAULT_BLOCK;
  checkBlock(block);
  const L = layoutOf(qt, dec);
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const gam = gamma(lutRoundings(L, dec.bits, L.g4, useTs));
  const bt = block / LUT_GROUP;
  const ls = new Float32Array(Math.ceil(L.k / block));
  const lam = new Float64Array(L.ng);
  let row = -1;
  return perGroupBound(
    x,
    qt,
    m,
    L,
    dec,
    (g, ax, i) => {
      if (row !== i) {
        row = i;
        lutI8Scales(x, i, L.k, block, ls);
        for (let gg = 0; gg < L.ng; gg++) {
          let s = 0;
          for (let t = gg * L.g4; t < Math.min((gg + 1) * L.g4, L.nt); t++) s += ls[Math.floor(t / bt)];
          lam[gg] = s;
        }
      }
      return (1 + gam) * L.half * (lam[g] / 2) + gam * ax;
    },
  );
}

/**
 * Evaluates SLACK * |ts| * sum_g |s_g| * groupTerm(g, A_g, i) for every output (i, n), with
 * A_g = (alpha (2^b-1)/2 + |c0_g|) * sum_{k in g} |x[i, k]| (c0_g holds row n's zero point).
 */
function perGroupBound(
  x: Float32Array,
  qt: QuantizedTensor,
  m: number,
  L: LutLayout,
  dec: LutDecode,
  groupTerm: (g: number, a: number, i: number) => number,
): Float64Array {
  const out = new Float64Array(m * L.n);
  const ax = new Float64Array(L.ng);
  const c0Base = L.half + dec.beta;
  const tsAbs = Math.abs(qt.tensorScale);
  for (let i = 0; i < m; i++) {
    for (let g = 0; g < L.ng; g++) {
      let s = 0;
      for (let kk = g * L.gs; kk < (g + 1) * L.gs; kk++) s += Math.abs(x[i * L.k + kk]);
      ax[g] = s;
    }
    for (let r = 0; r < L.n; r++) {
      let e = 0;
      for (let g = 0; g < L.ng; g++) {
        const gi = r * L.ng + g;
        const c0 = qt.zeros ? c0Base - qt.zeros[gi] : c0Base;
        e += Math.abs(qt.scales[gi]) * groupTerm(g, (L.half + Math.abs(c0)) * ax[g], i);
      }
      out[i * L.n + r] = BOUND_SLACK * tsAbs * e;
    }
  }
  return out;
}

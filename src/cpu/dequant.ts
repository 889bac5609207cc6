/**
 * The `dequant` kernel: fused decode-and-multiply mpGEMM for every scheme.
 *
 *   Y[m, n] = tensorScale * sum_g scale[n, g] * sum_{k in g} x[m, k] * (decode(code[n, k]) - zero[n, g])
 *
 * Per row n of W the codes are unpacked once into a scratch buffer of decoded values
 * v = decode(code) - zero (exact in f32: small integers, or a decode-table value with zero 0),
 * and that row is reused for all M rows of X. Arithmetic (docs/KERNELS.md):
 * - products x * v are exact in f64 (24 + 24 significant bits);
 * - a group's dot product is accumulated in f32 (`Math.fround` after every addition) in four
 *   interleaved partial sums (k mod 4) that are then added, so each term passes through at most
 *   ceil(G/4) + 2 <= G roundings (G >= 3; G = 1, 2 use one partial sum: G roundings);
 * - the group sum is multiplied by the scale once (1 rounding) and added to the f32 output
 *   accumulator (ng = K/G groups: at most ng roundings); tensorScale multiplies once at the end.
 * The f64 oracle's w = fl(fl(v * scale) * tensorScale) adds 1 (2 with a tensor scale) roundings,
 * so n = G + ng + 2 (+ 2 with a tensor scale) and c = boundConstant(n, K): for K >= 8 that is
 * at most 2 (G + ng <= K + 1).
 *
 * Per-group offsets (ggml's Q4_1/Q5_1 and k-quants: w = v * scale - offset) are applied as
 *   Y[m, n] = sum_g scale[g] dot_g(x, v) - sum_g offset[g] xsum_g,   xsum_g = sum_{k in g} x[m, k]
 * with xsum_g summed serially in f32 once per activation row, each offset term rounded once and
 * accumulated in a second f32 sum subtracted at the end. The two sums cancel where w is small, so
 * the error is relative to sum_k |x_k| (|v_k scale| + |offset|), not sum |x_k w_k|: such tensors
 * get the per-output extra term of `dequantExtraBound` (n = roundings above + 2: the final
 * subtraction and the oracle's own offset subtraction).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getDType } from '../dtype/registry.js';
import { checkMatmulArgs } from './args.js';
import { BOUND_SLACK, boundConstant, gamma } from './bound.js';
import { WORD_BITS } from '../format/pack.js';

/** The general constant c of the dequant kernel, valid for every scheme once K >= 8. */
export const DEQUANT_C = 2;

/** f32 roundings a term of `qt` passes through in the dequant kernel, counting the oracle's. */
export function dequantRoundings(qt: QuantizedTensor): number {
  const g = qt.groupSize;
  const ng = qt.cols / g;
  const ts = qt.hasTensorScale || qt.tensorScale !== 1 ? 2 : 0;
  return g + ng + 2 + ts;
}

/** The tight bound constant c of the dequant kernel for `qt` (see the file comment). */
export function dequantBoundC(qt: QuantizedTensor): number {
  return boundConstant(dequantRoundings(qt), qt.cols);
}

/** f32 roundings of the offset terms beyond dequantRoundings: the final subtraction and the oracle's. */
const OFFSET_EXTRA_ROUNDINGS = 2;

/**
 * The per-output extra allowance [M, N] of the dequant kernel for tensors with offsets:
 * BOUND_SLACK * gamma_n * sum_k |x[m, k]| (|v scale| + |offset|) with n = dequantRoundings + 2
 * (see the file comment); undefined for tensors without offsets (the plain bound holds).
 */
export function dequantExtraBound(x: Float32Array, qt: QuantizedTensor, m: number): Float64Array | undefined {
  const { offsets } = qt;
  if (!offsets) return undefined;
  const { rows: n, cols: k, groupSize } = qt;
  const ng = k / groupSize;
  const g = gamma(dequantRoundings(qt) + OFFSET_EXTRA_ROUNDINGS);
  const tables = decodeTables(qt.elementTypes);
  const mask = (1 << qt.bits) - 1;
  // |v * scale| + |offset| per weight, as f64 (the bound is first order; exact products suffice).
  const mag = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < k; t++) {
      const gi = r * ng + Math.floor(t / groupSize);
      const bit = t * qt.bits;
      const wi = r * qt.wordsPerRow + (bit >>> 5);
      const sh = bit & (WORD_BITS - 1);
      let c = (qt.codes[wi] as number) >>> sh;
      if (sh + qt.bits > WORD_BITS) c |= (qt.codes[wi + 1] as number) << (WORD_BITS - sh);
      const id = qt.dtypeIds ? (qt.dtypeIds[gi] as number) << qt.bits : 0;
      const v = (tables[id | (c & mask)] as number) - (qt.zeros ? (qt.zeros[gi] as number) : 0);
      mag[r * k + t] = Math.abs(v * (qt.scales[gi] as number) * (qt.hasTensorScale ? qt.tensorScale : 1)) + Math.abs(offsets[gi] as number);
    }
  }
  const extra = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += Math.abs(x[i * k + t] as number) * (mag[r * k + t] as number);
      extra[i * n + r] = BOUND_SLACK * g * s;
    }
  }
  return extra;
}

/**
 * Y[M, N] = X[M, K] . W^T with W decoded group by group: f32 accumulation, one scale multiply
 * per group (and one tensorScale multiply per output); offsets, when the tensor has them, as a
 * second sum of offset * group sum of x. `out`, when given, must hold M * N values.
 */
export function matmulDequant(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const y = checkMatmulArgs('dequant', x, m, qt, out);
  const { zeros, dtypeIds, offsets } = qt;
  dequantCore(
    x, m, qt.rows, qt.cols, qt.groupSize, qt.bits, qt.wordsPerRow, qt.codes, qt.scales,
    zeros ?? NO_BYTES, zeros !== undefined, dtypeIds ?? NO_BYTES, dtypeIds !== undefined,
    decodeTables(qt.elementTypes), qt.tensorScale, qt.hasTensorScale || qt.tensorScale !== 1, y,
  );
  if (offsets) subtractOffsets(x, m, qt.rows, qt.cols, qt.groupSize, offsets, y);
  return y;
}

/**
 * y[i, r] -= sum_g offset[r, g] * xsum[i, g], where xsum[i, g] is the serial f32 sum of row i of x
 * over group g: the offset terms accumulate in their own f32 sum, subtracted once per output.
 */
function subtractOffsets(x: Float32Array, m: number, n: number, k: number, gs: number, offsets: Float32Array, y: Float32Array): void {
  const f = Math.fround;
  const ng = k / gs;
  const xsum = new Float32Array(ng);
  for (let i = 0; i < m; i++) {
    for (let g = 0; g < ng; g++) {
      let s = 0;
      for (let t = i * k + g * gs, end = t + gs; t < end; t++) s = f(s + (x[t] as number));
      xsum[g] = s;
    }
    for (let r = 0; r < n; r++) {
      let acc = 0;
      for (let g = 0; g < ng; g++) acc = f(acc + f((offsets[r * ng + g] as number) * (xsum[g] as number)));
      y[i * n + r] = (y[i * n + r] as number) - acc;
    }
  }
}

/** Stand-in for absent zero points / datatype ids, so the core's argument types never change. */
export const NO_BYTES = new Uint8Array(0);

const tableCache = new Map<string, Float32Array>();

/** Decode tables of `elementTypes` back to back: entry (id << bits) | code. Cached per type list. */
export function decodeTables(elementTypes: readonly string[]): Float32Array {
  const key = elementTypes.join(',');
  let t = tableCache.get(key);
  if (!t) {
    const parts = elementTypes.map((name) => getDType(name).decodeTable);
    t = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    parts.forEach((p, i) => t!.set(p, i * p.length));
    tableCache.set(key, t);
  }
  return t;
}

/**
 * The dequant loops over plain typed arrays and numbers only: one call site type per argument
 * whatever the scheme, so V8 keeps one optimized version for every scheme.
 */
function dequantCore(
  x: Float32Array, m: number, n: number, k: number, gs: number, bits: number, wordsPerRow: number,
  codes: Uint32Array, scales: Float32Array, zeros: Uint8Array, hasZeros: boolean, ids: Uint8Array, hasIds: boolean,
  tables: Float32Array, ts: number, useTs: boolean, y: Float32Array,
): void {
  const ng = k / gs;
  const f = Math.fround;
  const vals = new Float32Array(k);
  const g4 = gs - (gs % 4);
  const mask = (1 << bits) - 1;
  // Groups start and end on word boundaries: decode a word at a time.
  const wordAligned = WORD_BITS % bits === 0 && (gs * bits) % WORD_BITS === 0;
  const perWord = WORD_BITS / bits;
  for (let r = 0; r < n; r++) {
    const gBase = r * ng;
    const wBase = r * wordsPerRow;
    // Decode the row once: v = decode(code) - zero, exact in f32.
    for (let g = 0, k0 = 0; g < ng; g++, k0 += gs) {
      const tb = hasIds ? ids[gBase + g] << bits : 0;
      const z = hasZeros ? zeros[gBase + g] : 0;
      if (wordAligned) {
        let t = k0;
        for (let wi = wBase + (k0 * bits) / WORD_BITS, wEnd = wi + (gs * bits) / WORD_BITS; wi < wEnd; wi++) {
          let word = codes[wi];
          for (let j = 0; j < perWord; j++, t++) {
            vals[t] = tables[tb | (word & mask)] - z;
            word >>>= bits;
          }
        }
      } else {
        for (let t = k0, end = k0 + gs, bit = k0 * bits; t < end; t++, bit += bits) {
          const wi = wBase + (bit >>> 5);
          const sh = bit & (WORD_BITS - 1);
          let c = codes[wi] >>> sh;
          if (sh + bits > WORD_BITS) c |= codes[wi + 1] << (WORD_BITS - sh);
          vals[t] = tables[tb | (c & mask)] - z;
        }
      }
    }
    for (let i = 0; i < m; i++) {
      const xo = i * k;
      let acc = 0;
      for (let g = 0, k0 = 0; g < ng; g++, k0 += gs) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        const xg = xo + k0;
        let t = 0;
        if (gs >= 4) {
          for (; t < g4; t += 4) {
            s0 = f(s0 + x[xg + t] * vals[k0 + t]);
            s1 = f(s1 + x[xg + t + 1] * vals[k0 + t + 1]);
            s2 = f(s2 + x[xg + t + 2] * vals[k0 + t + 2]);
            s3 = f(s3 + x[xg + t + 3] * vals[k0 + t + 3]);
          }
        }
        for (; t < gs; t++) s0 = f(s0 + x[xg + t] * vals[k0 + t]);
        const dot = f(f(s0 + s1) + f(s2 + s3));
        acc = f(acc + f(dot * scales[gBase + g]));
      }
      y[i * n + r] = useTs ? f(acc * ts) : acc;
    }
  }
}

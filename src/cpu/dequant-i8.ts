/**
 * The int8-activation dequant kernel (W4A8 / W8A8), readable form: the reference the WebAssembly
 * kernel `wasm-dequant-i8` (wasm/dequant.ts, dequant_i8) matches bit for bit.
 *
 * Activations. Each row of X is split into blocks of {@link I8_BLOCK} consecutive activations
 * inside each quant group (a group of G splits into ceil(G / 32) blocks, the last one shorter
 * when 32 does not divide G). Per block: xscale = fl(max |x| / 127) and
 * xq = clamp(round_half_even(x / xscale), -127, 127) (0 when xscale is 0), so
 * |x - xscale * xq| <= xscale / 2.
 *
 * Weights: integers v = q - zero with value = q * unit (the element type's integer grid), for
 * the element types whose grid fits int8 (unit 1 when the tensor has zero points).
 *
 * Per output y[m, n], in this order (fl = one f32 rounding):
 *   isum  = sum_{k in block} v_k xq_k                    exact (|isum| < 2^24)
 *   gsum  = fl(gsum + fl(isum * xscale))                 blocks of the group in order
 *   racc  = fl(racc + fl(gsum * fl(scale_g * unit_g)))   groups in order
 *   y     = fl(racc * tensorScale) when the tensor has one
 *   y     = fl(y - offacc)  with offacc = fl(offacc + fl(offset_g * xsum_g)) over the groups,
 *           xsum_g the serial f32 sum of x over the group (the f32 dequant kernel's second sum)
 *
 * Bound (docs/KERNELS.md). The kernel computes sum_k x^_k w_k with x^ = xscale * xq exactly in
 * the integers, then rounds: a term passes through fl(isum * xscale) (1), the group's block sum
 * (nb = ceil(G / 32)), the scale product and multiply (2), the output sum (ng), the tensor scale
 * (1) and the oracle's rounding of w (1, 2 with a tensor scale): n = nb + ng + 4 (+2). With
 * |x^_k| <= |x_k| + xscale_k / 2,
 *
 *   |y - y_ref| <= gamma_n sum_k |x_k w_k| + 1.01 (1 + gamma_n) sum_k (xscale_k / 2) |v_k scale_g ts|
 *
 * the first term is c = boundConstant(n, K), the second the per-output extra term
 * ({@link dequantI8ExtraBound}), as for the GPU dp4a variant (there with one scale per row).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { roundHalfEvenFast } from '../dtype/rounding.js';
import { getDType } from '../dtype/registry.js';
import { getScheme } from '../quant/schemes.js';
import { unpackCodes } from '../format/pack.js';
import { checkMatmulArgs } from './args.js';
import { BOUND_SLACK, boundConstant, gamma } from './bound.js';
import { offsetExtraBound } from '../gpu/offset-bound.js';
import { groupXSums } from './wasm-dequant.js';

/** Activations per int8 block (within a quant group). */
export const I8_BLOCK = 32;
/** Largest int8 magnitude of an activation (symmetric). */
export const I8_ACT_MAX = 127;
/** Largest |q - zero| the kernel takes: 32 * 127 * 4096 < 2^24 keeps every block sum exact in f32. */
export const I8_WEIGHT_LIMIT = 4096;

/** Blocks of one quant group. */
export function i8BlocksPerGroup(groupSize: number): number {
  return Math.ceil(groupSize / I8_BLOCK);
}


/** Block-quantized activations: xq [M, K] and xscale [M, ng * blocksPerGroup]. */
export interface I8Activations {
  readonly q: Int8Array;
  readonly scales: Float32Array;
  readonly blocksPerGroup: number;
}

/** Quantizes X [M, K] per block of 32 inside each group of `groupSize` (file comment). */
export function quantizeActivationBlocks(x: Float32Array, m: number, k: number, groupSize: number): I8Activations {
  const ng = k / groupSize;
  const bpg = i8BlocksPerGroup(groupSize);
  const q = new Int8Array(m * k);
  const scales = new Float32Array(m * ng * bpg);
  for (let i = 0; i < m; i++) {
    for (let g = 0; g < ng; g++) {
      for (let b = 0; b < bpg; b++) {
        const start = i * k + g * groupSize + b * I8_BLOCK;
        const end = Math.min(start + I8_BLOCK, i * k + (g + 1) * groupSize);
        let amax = 0;
        for (let t = start; t < end; t++) amax = Math.max(amax, Math.abs(x[t] as number));
        const s = Math.fround(amax / I8_ACT_MAX);
        scales[(i * ng + g) * bpg + b] = s;
        if (s === 0) continue;
        for (let t = start; t < end; t++) {
          // |x / s| <= 127 (+ rounding) or NaN; NaN stays NaN and stores as 0.
          const r = roundHalfEvenFast((x[t] as number) / s);
          q[t] = r > I8_ACT_MAX ? I8_ACT_MAX : r < -I8_ACT_MAX ? -I8_ACT_MAX : r;
        }
      }
    }
  }
  return { q, scales, blocksPerGroup: bpg };
}

/** Integer grids (q per code, unit) of element types, or the reason the kernel cannot take them. */
function grids(elementTypes: readonly string[], hasZeros: boolean): { q: Int32Array; unit: number; valid: Uint8Array }[] | string {
  const out: { q: Int32Array; unit: number; valid: Uint8Array }[] = [];
  for (const name of elementTypes) {
    const dt = getDType(name);
    const grid = dt.grid;
    if (!grid) return `${name} values are not small integer multiples of one unit`;
    if (hasZeros && grid.unit !== 1) return `zero points need a unit-1 integer grid (${name} has unit ${grid.unit})`;
    let lo = 0;
    let hi = 0;
    for (let c = 0; c < grid.byCode.length; c++) {
      if (!grid.validCode[c]) continue;
      lo = Math.min(lo, grid.byCode[c] as number);
      hi = Math.max(hi, grid.byCode[c] as number);
    }
    // The WebAssembly kernel decodes through int8 tables or the code bytes themselves.
    const identity = hi <= 255 && lo >= -128;
    if (!identity) return `${name} integer grid spans ${lo}..${hi}, beyond the int8 decode tables (-128..255)`;
    out.push({ q: grid.byCode, unit: grid.unit, valid: grid.validCode });
  }
  return out;
}

/**
 * true when the int8-activation kernel takes `target` (a scheme name or a tensor), else the
 * reason: every element type must have an integer grid within -128..255 (unit 1 with zero points),
 * and a tensor must use only codes that decode to numbers.
 */
export function dequantI8Support(target: QuantizedTensor | string): true | string {
  let elementTypes: readonly string[];
  let hasZeros: boolean;
  if (typeof target === 'string') {
    const sc = getScheme(target);
    elementTypes = sc.elementTypes;
    hasZeros = sc.scaleRule === 'minmax';
  } else {
    elementTypes = target.elementTypes;
    hasZeros = target.zeros !== undefined;
  }
  const g = grids(elementTypes, hasZeros);
  if (typeof g === 'string') return g;
  if (typeof target !== 'string') {
    const all = g.every((t) => t.valid.subarray(0, 1 << target.bits).every((b) => b === 1));
    if (!all) {
      const codes = unpackCodes(target.codes, target.rows, target.cols, target.bits);
      const ng = target.cols / target.groupSize;
      for (let i = 0; i < codes.length; i++) {
        const gi: number = Math.floor(i / target.cols) * ng + Math.floor((i % target.cols) / target.groupSize);
        const id = target.dtypeIds ? (target.dtypeIds[gi] as number) : 0;
        if (!g[id]?.valid[codes[i] as number]) return `code ${codes[i]} of ${target.elementTypes[id]} (row ${Math.floor(i / target.cols)}, column ${i % target.cols}) decodes to no number`;
      }
    }
  }
  return true;
}

/**
 * Y[M, N] = X[M, K] . W^T with X quantized to int8 per block and W's integer values, in the
 * order of the file comment. Throws the support reason for tensors the kernel does not take.
 */
export function matmulDequantI8(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const y = checkMatmulArgs('dequant-i8', x, m, qt, out);
  const ok = dequantI8Support(qt);
  if (ok !== true) throw new Error(`kernel dequant-i8 does not support ${qt.scheme}: ${ok}`);
  const f = Math.fround;
  const { rows: n, cols: k, groupSize: gs } = qt;
  const ng = k / gs;
  const g = grids(qt.elementTypes, qt.zeros !== undefined) as { q: Int32Array; unit: number }[];
  const xa = quantizeActivationBlocks(x, m, k, gs);
  const bpg = xa.blocksPerGroup;
  const codes = unpackCodes(qt.codes, n, k, qt.bits);
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const xsum = qt.offsets ? groupXSums(x, m, k, gs) : undefined;
  const v = new Int32Array(k);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < k; t++) {
      const gi = r * ng + Math.floor(t / gs);
      const id = qt.dtypeIds ? (qt.dtypeIds[gi] as number) : 0;
      v[t] = ((g[id] as { q: Int32Array }).q[codes[r * k + t] as number] as number) - (qt.zeros ? (qt.zeros[gi] as number) : 0);
    }
    for (let i = 0; i < m; i++) {
      let racc = 0;
      for (let gg = 0; gg < ng; gg++) {
        const gi = r * ng + gg;
        const id = qt.dtypeIds ? (qt.dtypeIds[gi] as number) : 0;
        let gsum = 0;
        for (let b = 0; b < bpg; b++) {
          const start = gg * gs + b * I8_BLOCK;
          const end = Math.min(start + I8_BLOCK, (gg + 1) * gs);
          let isum = 0;
          for (let t = start; t < end; t++) isum += (v[t] as number) * (xa.q[i * k + t] as number);
          gsum = f(gsum + f(isum * (xa.scales[(i * ng + gg) * bpg + b] as number)));
        }
        const su = f((qt.scales[gi] as number) * (g[id] as { unit: number }).unit);
        racc = f(racc + f(gsum * su));
      }
      let yv = useTs ? f(racc * qt.tensorScale) : racc;
      if (qt.offsets && xsum) {
        let acc = 0;
        for (let gg = 0; gg < ng; gg++) acc = f(acc + f((qt.offsets[r * ng + gg] as number) * (xsum[i * ng + gg] as number)));
        yv = f(yv - acc);
      }
      y[i * n + r] = yv;
    }
  }
  return y;
}

/** Roundings a term passes through in the int8-activation kernel, the oracle's included (file comment). */
export function dequantI8Roundings(qt: QuantizedTensor): number {
  const ts = qt.hasTensorScale || qt.tensorScale !== 1 ? 2 : 0;
  return i8BlocksPerGroup(qt.groupSize) + qt.cols / qt.groupSize + 4 + ts;
}

/** The bound constant c of the int8-activation kernel for `qt`. */
export function dequantI8BoundC(qt: QuantizedTensor): number {
  return boundConstant(dequantI8Roundings(qt), qt.cols);
}

/** |(decode - zero) * scale * tensorScale| per weight [N, K] (f64). */
function weightMagnitudes(qt: QuantizedTensor): Float64Array {
  const { rows: n, cols: k, groupSize: gs } = qt;
  const ng = k / gs;
  const codes = unpackCodes(qt.codes, n, k, qt.bits);
  const tables = qt.elementTypes.map((t) => getDType(t).decodeTable);
  const ts = qt.hasTensorScale || qt.tensorScale !== 1 ? qt.tensorScale : 1;
  const mag = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < k; t++) {
      const gi = r * ng + Math.floor(t / gs);
      const id = qt.dtypeIds ? (qt.dtypeIds[gi] as number) : 0;
      const v = ((tables[id] as Float32Array)[codes[r * k + t] as number] as number) - (qt.zeros ? (qt.zeros[gi] as number) : 0);
      mag[r * k + t] = Math.abs(v * (qt.scales[gi] as number) * ts);
    }
  }
  return mag;
}

/**
 * The per-output extra allowance [M, N] of the int8-activation kernel: the activation rounding
 * 1.01 (1 + gamma_n) sum_k (xscale_k / 2) |v_k scale ts|, plus for tensors with offsets the
 * offset term of the f32 kernel with |x_k| + xscale_k / 2 for the activations.
 */
export function dequantI8ExtraBound(x: Float32Array, qt: QuantizedTensor, m: number): Float64Array {
  const { rows: n, cols: k, groupSize: gs } = qt;
  const ng = k / gs;
  const bpg = i8BlocksPerGroup(gs);
  const xa = quantizeActivationBlocks(x, m, k, gs);
  const roundings = dequantI8Roundings(qt);
  const half = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const b = Math.floor(t / gs) * bpg + Math.floor((t % gs) / I8_BLOCK);
      half[i * k + t] = (xa.scales[i * ng * bpg + b] as number) / 2;
    }
  }
  const mag = weightMagnitudes(qt);
  const factor = BOUND_SLACK * (1 + gamma(roundings));
  const extra = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += (half[i * k + t] as number) * (mag[r * k + t] as number);
      extra[i * n + r] = factor * s;
    }
  }
  if (qt.offsets) {
    const xAbs = new Float64Array(m * k);
    for (let i = 0; i < m * k; i++) xAbs[i] = Math.abs(x[i] as number) + (half[i] as number);
    const off = offsetExtraBound(qt, m, xAbs, Math.max(roundings, gs + ng + 1));
    if (off) for (let i = 0; i < extra.length; i++) extra[i] = (extra[i] as number) + (off[i] as number);
  }
  return extra;
}

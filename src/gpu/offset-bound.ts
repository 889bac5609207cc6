/**
 * The error allowance of the dequant-family GPU kernels for tensors with per-group offsets
 * (llama.cpp's Q4_1/Q5_1 and k-quants: w = (decode - zero) * scale - offset).
 *
 * Each segment of the block code computes (sum_k v_k x_k) * scale - (sum_k x_k) * offset with
 * v = decode - zero (src/wgsl/block-prelude.ts). The two products cancel where w is small, so the
 * f32 rounding error is relative to the terms x v scale and x offset, not to x w: with every term
 * passing through at most n roundings (the variant's count for tensors without offsets, plus the
 * segment's subtraction and the oracle's own offset subtraction: {@link OFFSET_ROUNDINGS}),
 *
 *   |y - y_ref| <= 1.01 gamma_n sum_k |x^_k| (|v_k scale_g| + |offset_g|)      (+ the usual bound)
 *
 * where |x^_k| bounds the activation the kernel actually multiplies (x itself for f32 activations;
 * x rounded to f16 or to the int8 grid for the f16 and dp4a variants, whose own extra terms cover
 * the exact-arithmetic effect of that rounding). This mirrors the CPU dequant kernel's
 * `dequantExtraBound`, whose offsets go through a second sum instead (docs/KERNELS.md).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { BoundOptions } from '../cpu/compare.js';
import { unpackCodes } from '../format/pack.js';
import { BOUND_SLACK, gamma } from '../cpu/bound.js';
import { decodeTables } from '../cpu/dequant.js';

/** Roundings an offset adds to a term: the segment's subtraction and the oracle's offset subtraction. */
export const OFFSET_ROUNDINGS = 2;

/** Per weight [N, K]: |(decode - zero) * scale * tensorScale| + |offset| (f64, first order). */
export function offsetTermMagnitudes(qt: QuantizedTensor): Float64Array {
  const { rows: n, cols: k, groupSize, offsets } = qt;
  const ng = k / groupSize;
  const codes = unpackCodes(qt.codes, n, k, qt.bits);
  const tables = decodeTables(qt.elementTypes);
  const ts = qt.hasTensorScale || qt.tensorScale !== 1 ? qt.tensorScale : 1;
  const mag = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < k; t++) {
      const g = r * ng + Math.floor(t / groupSize);
      const id = qt.dtypeIds ? (qt.dtypeIds[g] as number) << qt.bits : 0;
      const v = (tables[id | (codes[r * k + t] as number)] as number) - (qt.zeros ? (qt.zeros[g] as number) : 0);
      mag[r * k + t] = Math.abs(v * (qt.scales[g] as number) * ts) + Math.abs(offsets ? (offsets[g] as number) : 0);
    }
  }
  return mag;
}

/**
 * The per-output extra allowance [M, N] of a dequant-family GPU kernel on a tensor with offsets
 * (see the file comment): `roundings` is the variant's count without offsets, `xAbs` [M, K] the
 * bound on |activation| the kernel multiplies. Undefined for tensors without offsets.
 */
export function offsetExtraBound(qt: QuantizedTensor, m: number, xAbs: Float64Array, roundings: number): Float64Array | undefined {
  if (!qt.offsets) return undefined;
  const { rows: n, cols: k } = qt;
  const mag = offsetTermMagnitudes(qt);
  const g = BOUND_SLACK * gamma(roundings + OFFSET_ROUNDINGS);
  const extra = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += (xAbs[i * k + t] as number) * (mag[r * k + t] as number);
      extra[i * n + r] = g * s;
    }
  }
  return extra;
}

/** |x| per activation [M, K] as f64 (f32 activations are multiplied as they are). */
export function absActivations(x: Float32Array): Float64Array {
  return Float64Array.from(x, Math.abs);
}

/** `base` with `extra` [M * N] added to its per-output allowance (unchanged when `extra` is undefined). */
export function plusExtra(base: BoundOptions, extra: Float64Array | undefined): BoundOptions {
  if (!extra) return base;
  const prev = base.extra;
  if (prev === undefined) return { ...base, extra };
  const at = typeof prev === 'function' ? prev : (i: number) => prev[i] as number;
  return { ...base, extra: (i: number) => at(i) + (extra[i] as number) };
}

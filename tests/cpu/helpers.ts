// Shared fixtures for the CPU kernel tests: seeded weights/activations with outliers, shapes, and the bound check.
import { expect } from 'vitest';
import { quantize } from '../../src/quant/quantize.js';
import { getScheme, SCHEME_NAMES } from '../../src/quant/schemes.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import { matmulRef, type RefResult } from '../../src/cpu/matmul-ref.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import { packCodes, wordsPerRowFor } from '../../src/format/pack.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

/** One matmul shape; `group` as the quantize option (undefined = the scheme's default). */
export interface Shape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly group?: number;
  readonly label: string;
}

/** Shapes every kernel runs: M = 1 and 3, K = one group, N and K off multiples of 4/8/32, default groups. */
export const SHAPES: readonly Shape[] = [
  { m: 1, n: 13, k: 96, group: 32, label: 'GEMV g32 K=96 N=13' },
  { m: 3, n: 7, k: 256, label: 'M=3 default group' },
  { m: 3, n: 11, k: 100, group: 0, label: 'per channel K=100' },
  { m: 1, n: 9, k: 32, group: 32, label: 'K = one group' },
  { m: 2, n: 5, k: 72, group: -1, label: 'per tensor K=72' },
  { m: 1, n: 6, k: 12, group: 4, label: 'tiny groups G=4' },
];

/** The quantize group option that `shape` resolves to for `scheme`, or undefined when the pair does not apply. */
export function applies(scheme: string, shape: Shape): boolean {
  const sc = getScheme(scheme);
  if (sc.fixedBlock !== undefined) return (shape.group === undefined || shape.group === sc.fixedBlock) && shape.k % sc.fixedBlock === 0;
  const g = shape.group ?? sc.defaultGroup;
  const gran = g > 0 ? 'group' : g === 0 ? 'channel' : 'tensor';
  if (!(sc.granularities as readonly string[]).includes(gran)) return false;
  return g <= 0 || shape.k % g === 0;
}

/**
 * `quantize(..., 'binary')` currently throws inside the binary encoder's constructor (codec.ts
 * calls search(0) before its bucket table exists, for codebooks without a 0). Until that is
 * fixed, build the binary tensor by its documented rule: code = w >= 0 ? 1 : 0, scale = mean|w|
 * per unit (f16-rounded is not needed for the kernel tests; f32 is stored).
 */
export function quantizeBinary(w: Float32Array, rows: number, cols: number, group = 0): QuantizedTensor {
  try {
    return quantize(w, rows, cols, 'binary', { group });
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const gs = group > 0 ? group : cols;
  const unit = group > 0 ? group : group === 0 ? cols : rows * cols;
  const codes = new Uint8Array(rows * cols);
  const scales = new Float32Array((rows * cols) / gs);
  for (let u = 0; u < (rows * cols) / unit; u++) {
    let s = 0;
    for (let i = u * unit; i < (u + 1) * unit; i++) s += Math.abs(w[i]);
    for (let g = (u * unit) / gs; g < ((u + 1) * unit) / gs; g++) scales[g] = s / unit;
  }
  for (let i = 0; i < w.length; i++) codes[i] = w[i] >= 0 ? 1 : 0;
  return {
    scheme: 'binary', rows, cols, bits: 1, groupSize: gs,
    granularity: group > 0 ? 'group' : group === 0 ? 'channel' : 'tensor',
    codes: packCodes(codes, rows, cols, 1), wordsPerRow: wordsPerRowFor(cols, 1),
    elementTypes: ['binary'], idBits: 0, scales, scaleDType: 'f32', tensorScale: 1, hasTensorScale: false,
  };
}

/** A test case: seeded X (with outlier channels) and W quantized with `scheme`, plus the f64 oracle. */
export interface Case {
  readonly x: Float32Array;
  readonly qt: QuantizedTensor;
  readonly ref: RefResult;
  readonly shape: Shape;
}

/** Builds a seeded case; weights and activations are the LLM-like samples (Student-t tails, outlier channels). */
export function makeCase(scheme: string, shape: Shape, seed = 7): Case {
  const w = sampleWeights({ rows: shape.n, cols: shape.k, seed });
  const x = sampleActivations(shape.m, shape.k, seed + 1).data;
  const opts = shape.group === undefined ? {} : { group: shape.group };
  const qt = scheme === 'binary' ? quantizeBinary(w.data, shape.n, shape.k, opts.group) : quantize(w.data, shape.n, shape.k, scheme, opts);
  return { x, qt, ref: matmulRef(x, qt, shape.m), shape };
}

/** Asserts the DESIGN.md bound, printing the first offending (row, col), got, expected and bound. */
export function expectBound(got: Float32Array, c: Case, opts: { c: number; extra?: Float64Array }): void {
  const r = checkMatmulBound(got, c.ref, c.shape.m, c.shape.n, c.shape.k, opts);
  expect(r.ok, `${c.qt.scheme} ${c.shape.label}: ${r.message}`).toBe(true);
}

export { SCHEME_NAMES };

// Shared fixtures for the CPU kernel tests: seeded weights/activations with outliers, shapes, and the bound check.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { expect } from 'vitest';
import { quantize } from '../../src/quant/quantize.js';
import { getScheme, SCHEME_NAMES } from '../../src/quant/schemes.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import { matmulRef, type RefResult } from '../../src/cpu/matmul-ref.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
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
  { m: 2, n: 3, k: 98, group: 0, label: 'per channel K=98 (a partial 4-group)' },
  { m: 1, n: 9, k: 32, group: 32, label: 'K = one group' },
  { m: 2, n: 5, k: 72, group: -1, label: 'per tensor K=72' },
  { m: 1, n: 6, k: 12, group: 4, label: 'tiny groups G=4' },
];

/** The quantize group option that `shape` resolves to for `scheme`, or undefined when the pair does not apply. */
export function applies(scheme: AnySchemeName, shape: Shape): boolean {
  const sc = getScheme(scheme);
  if (sc.fixedBlock !== undefined) return (shape.group === undefined || shape.group === sc.fixedBlock) && shape.k % sc.fixedBlock === 0;
  const g = shape.group ?? sc.defaultGroup;
  const gran = g > 0 ? 'group' : g === 0 ? 'channel' : 'tensor';
  if (!(sc.granularities as readonly string[]).includes(gran)) return false;
  return g <= 0 || shape.k % g === 0;
}

/** A test case: seeded X (with outlier channels) and W quantized with `scheme`, plus the f64 oracle. */
export interface Case {
  readonly x: Float32Array;
  readonly qt: QuantizedTensor;
  readonly ref: RefResult;
  readonly shape: Shape;
}

/** Builds a seeded case; weights and activations are the LLM-like samples (Student-t tails, outlier channels). */
export function makeCase(scheme: AnySchemeName, shape: Shape, seed = 7): Case {
  const w = sampleWeights({ rows: shape.n, cols: shape.k, seed });
  const x = sampleActivations(shape.m, shape.k, seed + 1).data;
  const qt = quantize(w.data, shape.n, shape.k, scheme, shape.group === undefined ? {} : { group: shape.group });
  return { x, qt, ref: matmulRef(x, qt, shape.m), shape };
}

/** Asserts the DESIGN.md bound, printing the first offending (row, col), got, expected and bound. */
export function expectBound(got: Float32Array, c: Case, opts: { c: number; extra?: Float64Array }): void {
  const r = checkMatmulBound(got, c.ref, c.shape.m, c.shape.n, c.shape.k, opts);
  expect(r.ok, `${c.qt.scheme} ${c.shape.label}: ${r.message}`).toBe(true);
}

export { SCHEME_NAMES };

/** First index where a and b differ in their f32 bits (NaN patterns included), or -1. */
export function firstBitDiff(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

/**
 * The SIMD level the WebAssembly kernels must pick in this test runtime, where it is known:
 * relaxed in Chromium (the gpu-browser project), baseline in Node 20 (relaxed SIMD behind a flag
 * there) or when LOWBIT_WASM_SIMD=baseline forces it. Undefined elsewhere (newer Node: relaxed if
 * its probe passes), where tests accept either level.
 */
function expectedWasmSimd(): 'baseline' | 'relaxed' | undefined {
  const g = globalThis as { window?: unknown; process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } };
  if (g.process?.env?.LOWBIT_WASM_SIMD === 'baseline') return 'baseline';
  if (g.window !== undefined) return 'relaxed';
  const major = Number(g.process?.versions?.node?.split('.')[0] ?? 0);
  return major === 20 ? 'baseline' : undefined;
}

/** The level the kernels picked matches {@link expectedWasmSimd} where that is known. */
export function simdLevelMatches(simd: string): boolean {
  const want = expectedWasmSimd();
  return want === undefined ? simd === 'baseline' || simd === 'relaxed' : simd === want;
}

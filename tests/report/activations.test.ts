// Output error with activations: block-wise accumulation equals a direct f64 evaluation of ||X W^T - X Wq^T|| / ||X W^T||.
import { describe, expect, it } from 'vitest';
import { activationMismatch, activationShape, outputEnergy, outputErrorVisitor, relativeOutputError } from '../../src/report/activations.js';
import { referenceSums, tensorErrorSums } from '../../src/report/error-sums.js';
import { dequantize, quantize } from '../../src/quant/quantize.js';
import { seededRandn } from '../../src/io/random.js';

/** ||A B^T||_F^2 for A [m, k], B [n, k], every dot product in f64 in k order. */
function frob2(a: Float32Array | Float64Array, m: number, b: Float32Array | Float64Array, n: number, k: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) {
      let d = 0;
      for (let t = 0; t < k; t++) d += a[i * k + t]! * b[j * k + t]!;
      s += d * d;
    }
  }
  return s;
}

describe('output error with activations', () => {
  it('matches the direct evaluation on the dequantized weights', () => {
    const rows = 40;
    const cols = 2048; // 32 rows per error block: the visitor sees two blocks
    const m = 3;
    const w = seededRandn(rows * cols, 1);
    const x = seededRandn(m * cols, 2);
    const a = { name: 'x', x, m, k: cols };
    const qt = quantize(w, rows, cols, 'int3');
    const deq = dequantize(qt);
    const diff = new Float64Array(rows * cols);
    for (let i = 0; i < diff.length; i++) diff[i] = w[i]! - deq[i]!;
    const expectedErr = frob2(x, m, diff, rows, cols);
    const expectedRef = frob2(x, m, w, rows, cols);
    const visitor = outputErrorVisitor(a, w, cols);
    tensorErrorSums(w, qt, referenceSums(w), visitor.visit);
    expect(visitor.total()).toBe(expectedErr);
    expect(outputEnergy(a, w, rows, cols)).toBe(expectedRef);
    const rel = relativeOutputError(visitor.total(), expectedRef);
    expect(rel).toBeGreaterThan(0.05);
    expect(rel).toBeLessThan(0.5);
  });

  it('shapes, mismatches and the zero cases', () => {
    expect(activationShape([4, 16])).toEqual({ m: 4, k: 16 });
    expect(activationShape([16])).toEqual({ m: 1, k: 16 });
    expect(activationShape([2, 3, 4])).toMatch(/must be 2-D \[M, K\] \(or 1-D \[K\]\), got \[2, 3, 4\]/);
    expect(activationMismatch({ name: 'x', x: new Float32Array(8), m: 1, k: 8 }, 16)).toBe("activations 'x' have K = 8, the weight has K = 16");
    expect(relativeOutputError(0, 0)).toBe(0);
    expect(relativeOutputError(1, 0)).toBe(Infinity);
    expect(relativeOutputError(1, 4)).toBe(0.5);
  });
});

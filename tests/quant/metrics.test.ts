// errorMetrics: MSE, NMSE, SQNR, max |err|, cosine and relative MSE against hand-computed values.
import { describe, expect, it } from 'vitest';
import { errorMetrics } from '../../src/quant/metrics.js';

describe('errorMetrics on tiny hand-computed vectors', () => {
  it('ref [1, 2, 3, 4], approx [1, 2, 3, 5]', () => {
    // err = [0, 0, 0, -1]: sum err^2 = 1, mse = 1/4
    // sum ref^2 = 1 + 4 + 9 + 16 = 30, mean ref^2 = 7.5 -> nmse = 0.25 / 7.5 = 1/30
    // sqnr = 10 log10(30 / 1)
    // mean ref = 2.5, variance = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25 -> relMse = 0.25 / 1.25 = 0.2
    // dot = 1 + 4 + 9 + 20 = 34, |approx|^2 = 1 + 4 + 9 + 25 = 39 -> cosine = 34 / sqrt(30 * 39)
    const m = errorMetrics(new Float64Array([1, 2, 3, 4]), new Float64Array([1, 2, 3, 5]));
    expect(m.mse).toBe(0.25);
    expect(m.nmse).toBeCloseTo(1 / 30, 15);
    expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(30), 12);
    expect(m.maxAbsErr).toBe(1);
    expect(m.cosine).toBeCloseTo(34 / Math.sqrt(1170), 15);
    expect(m.relMse).toBeCloseTo(0.2, 15);
  });

  it('ref [3, -4], approx [0, 0]: all error, cosine 0', () => {
    // sum ref^2 = 25 = sum err^2 -> nmse 1, sqnr 0 dB; mse = 12.5; mean -0.5, var = (12.25 + 12.25) / 2
    const m = errorMetrics(new Float32Array([3, -4]), new Float32Array([0, 0]));
    expect(m.mse).toBe(12.5);
    expect(m.nmse).toBe(1);
    expect(m.sqnrDb).toBe(0);
    expect(m.maxAbsErr).toBe(4);
    expect(m.cosine).toBe(0);
    expect(m.relMse).toBeCloseTo(12.5 / 12.25, 15);
  });

  it('approx = -ref: cosine -1, nmse 4, sqnr 10 log10(1/4)', () => {
    const m = errorMetrics(new Float64Array([1, -2, 0.5]), new Float64Array([-1, 2, -0.5]));
    expect(m.cosine).toBeCloseTo(-1, 15);
    expect(m.nmse).toBe(4);
    expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(0.25), 12);
    expect(m.maxAbsErr).toBe(4);
  });

  it('approx = 2 * ref: cosine exactly 1 up to rounding, sqnr 0 dB', () => {
    const m = errorMetrics(new Float64Array([1, 2, 2]), new Float64Array([2, 4, 4]));
    expect(m.cosine).toBeCloseTo(1, 15);
    expect(m.sqnrDb).toBe(0);
    expect(m.mse).toBe(3);
  });

  it('exact match: zero error, infinite SQNR, cosine 1', () => {
    const a = new Float32Array([0.1, -0.2, 0.3]);
    const m = errorMetrics(a, new Float64Array(a));
    expect(m).toEqual({ mse: 0, nmse: 0, sqnrDb: Infinity, maxAbsErr: 0, cosine: 1, relMse: 0 });
  });

  it('accumulates in f64: a small error on large f32 values is not lost', () => {
    // f32 values 2^24 and 2^24 + 2 differ by 2; f32 arithmetic on squares would round.
    const m = errorMetrics(new Float32Array([2 ** 24, 2 ** 24]), new Float32Array([2 ** 24 + 2, 2 ** 24]));
    expect(m.mse).toBe(2);
    expect(m.maxAbsErr).toBe(2);
    expect(m.nmse).toBe(4 / (2 * 2 ** 48));
  });
});

describe('errorMetrics edge cases', () => {
  it('all-zero ref and approx: exact', () => {
    const z = new Float64Array(3);
    expect(errorMetrics(z, z)).toEqual({ mse: 0, nmse: 0, sqnrDb: Infinity, maxAbsErr: 0, cosine: 1, relMse: 0 });
  });

  it('all-zero ref, nonzero approx: infinite nmse and relMse, -Infinity dB, cosine 0', () => {
    const m = errorMetrics(new Float64Array(2), new Float64Array([1, 1]));
    expect(m.mse).toBe(1);
    expect(m.nmse).toBe(Infinity);
    expect(m.sqnrDb).toBe(-Infinity);
    expect(m.cosine).toBe(0);
    expect(m.relMse).toBe(Infinity);
  });

  it('constant ref (zero variance) with an error: relMse Infinity, nmse finite', () => {
    const m = errorMetrics(new Float64Array([2, 2]), new Float64Array([2, 3]));
    expect(m.relMse).toBe(Infinity);
    expect(m.nmse).toBe(1 / 8);
  });

  it('NaN in approx propagates to mse, sqnr and maxAbsErr', () => {
    const m = errorMetrics(new Float64Array([1, 2, 3]), new Float64Array([1, NaN, 3]));
    expect(m.mse).toBeNaN();
    expect(m.sqnrDb).toBeNaN();
    expect(m.maxAbsErr).toBeNaN();
    const late = errorMetrics(new Float64Array([1, 2, 3]), new Float64Array([NaN, 2, 9]));
    expect(late.maxAbsErr).toBeNaN();
  });

  it('length mismatch and empty input are clear errors', () => {
    expect(() => errorMetrics(new Float32Array(3), new Float32Array(4))).toThrow(
      /length mismatch: ref has 3 elements, approx has 4/,
    );
    expect(() => errorMetrics(new Float32Array(0), new Float32Array(0))).toThrow(/empty input/);
  });
});

// The fast quantizer's scale helpers equal scale.ts / f16.ts exactly: f16 rounding (ties, subnormals, overflow), floor(log2) of f32 values, the MX shared exponent.
import { describe, expect, it } from 'vitest';
import { floorLog2F32, mxSharedExpFast, pow2, storeScaleFast } from '../../src/quant/fast-scale.js';
import { mxSharedExp, storeScale } from '../../src/quant/scale.js';
import { floorLog2 } from '../../src/dtype/rounding.js';
import { mulberry32 } from '../dtype/prng.js';

const outcome = (f: () => number): number | string => {
  try {
    return f();
  } catch (err) {
    return (err as Error).message;
  }
};

describe('fast scale helpers', () => {
  it('storeScaleFast = storeScale on random values, f16 ties, subnormals and the overflow edge', () => {
    const rng = mulberry32(5);
    const xs: number[] = [0, 65504, 65519.99, 65520, 65536, 1e9, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -26, 2 ** -14, 2 ** -14 + 2 ** -25, 1e-5, 1e4];
    for (let i = 0; i < 2000; i++) xs.push((1 + rng()) * 2 ** (Math.floor(rng() * 60) - 40));
    // Exact f16 ties: (2k + 1) / 2 ulps at every binade, normal and subnormal.
    for (let e = -24; e <= 15; e++) for (const k of [1, 2, 3, 1023, 2046]) xs.push(((2 * k + 1) / 2) * 2 ** (Math.max(e, -14) - 10));
    // Values one f64 ulp off those ties.
    for (const x of xs.slice(-200)) xs.push(x * (1 + 2 ** -52), x * (1 - 2 ** -53));
    for (const x of xs) {
      for (const d of ['f16', 'f32'] as const) expect(outcome(() => storeScaleFast(x, d)), `${x} ${d}`).toBe(outcome(() => storeScale(x, d)));
    }
  });

  it('floorLog2F32 and mxSharedExpFast = floorLog2 / mxSharedExp on f32 values, subnormals included', () => {
    const rng = mulberry32(6);
    const xs = [2 ** -149, 3 * 2 ** -149, 2 ** -127, 2 ** -126, (2 - 2 ** -23) * 2 ** 127, 1, 1.5, 0.75];
    for (let i = 0; i < 2000; i++) xs.push(Math.fround((1 + rng()) * 2 ** (Math.floor(rng() * 276) - 150)));
    for (const x of xs.filter((v) => v > 0)) {
      expect(floorLog2F32(x), String(x)).toBe(floorLog2(x));
      for (const emax of [2, 8, 15]) expect(mxSharedExpFast(x, emax)).toBe(mxSharedExp(x, emax));
    }
    expect(mxSharedExpFast(0, 2)).toBe(mxSharedExp(0, 2));
    expect(pow2(-127)).toBe(2 ** -127);
    expect(pow2(100)).toBe(2 ** 100);
  });
});

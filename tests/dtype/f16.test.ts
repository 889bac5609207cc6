// f16 helpers: round-to-nearest-even from f64, bit patterns, every f16 pattern round-trips.
import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, floorLog2, roundHalfEven, roundToF16 } from '../../src/dtype/index.js';
import { roundHalfEvenFast } from '../../src/dtype/rounding.js';

describe('roundToF16 (IEEE 754 binary16, ties to even)', () => {
  it('range edges', () => {
    expect(roundToF16(65504)).toBe(65504);
    expect(roundToF16(65519)).toBe(65504);
    expect(roundToF16(65520)).toBe(Infinity); // tie between 65504 (odd mantissa) and 2^16
    expect(roundToF16(-1e9)).toBe(-Infinity);
  });
  it('ties', () => {
    expect(roundToF16(1 + 2 ** -11)).toBe(1);
    expect(roundToF16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToF16(2 ** -25)).toBe(0);
    expect(roundToF16(3 * 2 ** -25)).toBe(2 ** -23);
    expect(Object.is(roundToF16(-(2 ** -26)), -0)).toBe(true);
  });
  it('bit patterns', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(2 ** -14)).toBe(0x0400);
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
  });
  it('every non-NaN f16 pattern round-trips', () => {
    const bad: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = f16BitsToF32(h);
      if (Number.isNaN(v)) continue;
      if (!Object.is(roundToF16(v), v) || f32ToF16Bits(v) !== h) bad.push(h.toString(16));
    }
    expect(bad).toEqual([]);
  });
});

describe('rounding helpers', () => {
  it('roundHalfEven', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
    // The fast form gives the same integers (ties, near-ties, large and non-finite inputs).
    const xs = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6, 126.5, -127.5, 0.49999999999999994, 2 ** 51 + 1, -(2 ** 52) - 0.5, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) xs.push((i - 1000) / 4, (i - 1000) * 0.3);
    for (const x of xs) expect(roundHalfEvenFast(x) + 0, `${x}`).toBe(roundHalfEven(x) + 0);
    expect(roundHalfEvenFast(NaN)).toBeNaN();
  });
  it('floorLog2 is exact at and just below powers of two', () => {
    for (let e = -140; e <= 127; e++) {
      expect(floorLog2(2 ** e)).toBe(e);
      expect(floorLog2(2 ** e * (1 - 2 ** -52))).toBe(e - 1);
    }
  });
});

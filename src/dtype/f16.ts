/**
 * IEEE 754 binary16 helpers: round-to-nearest-even from f64 and bit-pattern conversion.
 * Used to store scales at f16 width (the stored f32 value is exactly an f16 value).
 */
import { floorLog2, roundHalfEven } from './rounding.js';

/** Largest finite f16: (2 - 2^-10) * 2^15. */
export const F16_MAX = 65504;
/** Smallest positive normal f16: 2^-14. */
export const F16_MIN_NORMAL = 2 ** -14;
/** Smallest positive subnormal f16: 2^-24. */
export const F16_MIN_SUBNORMAL = 2 ** -24;
const F16_MAN_BITS = 10;
const F16_EXP_BIAS = 15;
const F16_EXP_MASK = 0x1f;
const F16_MAN_MASK = 0x3ff;
const F16_SIGN = 0x8000;
/** f16 overflow threshold: F16_MAX + half an ulp (2^5 / 2); the tie rounds to even = inf. */
const F16_OVERFLOW = F16_MAX + 2 ** (15 - F16_MAN_BITS - 1);

/**
 * Rounds x to the nearest f16 value, ties to even, returned as a number. Overflow gives +-inf,
 * NaN stays NaN, the sign of zero is kept.
 */
export function roundToF16(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a >= F16_OVERFLOW) return x < 0 ? -Infinity : Infinity;
  let q: number;
  if (a < F16_MIN_NORMAL) {
    // Subnormal range: a fixed quantum of 2^-24.
    q = roundHalfEven(a / F16_MIN_SUBNORMAL) * F16_MIN_SUBNORMAL;
  } else {
    const ulp = 2 ** (floorLog2(a) - F16_MAN_BITS);
    q = roundHalfEven(a / ulp) * ulp;
  }
  return x < 0 || Object.is(x, -0) ? -q : q;
}

/** f16 bit pattern (0..0xFFFF) of the f16 nearest to x (ties to even). NaN gives 0x7E00. */
export function f32ToF16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const r = roundToF16(x);
  const sign = r < 0 || Object.is(r, -0) ? F16_SIGN : 0;
  const a = Math.abs(r);
  if (a === Infinity) return sign | (F16_EXP_MASK << F16_MAN_BITS);
  if (a < F16_MIN_NORMAL) return sign | (a / F16_MIN_SUBNORMAL);
  const e = floorLog2(a);
  const man = a / 2 ** e - 1; // in [0, 1)
  return sign | ((e + F16_EXP_BIAS) << F16_MAN_BITS) | (man * (1 << F16_MAN_BITS));
}

/** Value of an f16 bit pattern. */
export function f16BitsToF32(h: number): number {
  const sign = h & F16_SIGN ? -1 : 1;
  const e = (h >> F16_MAN_BITS) & F16_EXP_MASK;
  const m = h & F16_MAN_MASK;
  if (e === F16_EXP_MASK) return m === 0 ? sign * Infinity : Number.NaN;
  if (e === 0) return sign * m * F16_MIN_SUBNORMAL;
  return sign * (1 + m / (1 << F16_MAN_BITS)) * 2 ** (e - F16_EXP_BIAS);
}

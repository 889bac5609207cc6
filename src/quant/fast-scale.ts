/**
 * Per-unit scale arithmetic of the fast quantizer, exact twins of src/quant/scale.ts and
 * src/dtype/f16.ts without Math.log2: exponents are read from the f64 / f32 bit patterns.
 */
import { F16_MAX } from '../dtype/f16.js';
import { E8M0_MAX_EXP, E8M0_MIN_EXP, storeScale } from './scale.js';

const F64 = new Float64Array(1);
const F64_HI = new Uint32Array(F64.buffer, 4, 1);
const F32 = new Float32Array(1);
const F32_U = new Uint32Array(F32.buffer);

/** IEEE 754 binary64 exponent field position, width mask and bias. */
const F64_EXP_SHIFT = 20;
const F64_EXP_MASK = 0x7ff;
const F64_BIAS = 1023;
/** IEEE 754 binary32: fraction bits, bias, the exponent of its smallest subnormal. */
const F32_MAN_BITS = 23;
const F32_BIAS = 127;
const F32_SUBNORMAL_EXP = -149;
/** binary16: fraction bits, smallest normal exponent, overflow threshold (F16_MAX + half an ulp). */
const F16_MAN_BITS = 10;
const F16_MIN_EXP = -14;
const F16_OVERFLOW = F16_MAX + 2 ** (15 - F16_MAN_BITS - 1);
/** 1.5 * 2^52: x + C - C rounds to an integer, ties to even (|x| < 2^51). */
const RNE_MAGIC = 6755399441055744;

/** 2^e for the exponents the scale rules produce, looked up instead of computed. */
const POW2_MIN = -1100;
const POW2_MAX = 1100;
const POW2 = Float64Array.from({ length: POW2_MAX - POW2_MIN + 1 }, (_, i) => 2 ** (i + POW2_MIN));

/** 2^e (exact), for integer e in [-1100, 1100]. */
export function pow2(e: number): number {
  return POW2[e - POW2_MIN] as number;
}

/** floor(log2(x)) of a normal positive f64 (every value here: f32 values and their quotients). */
function f64Exponent(x: number): number {
  F64[0] = x;
  return (((F64_HI[0] as number) >>> F64_EXP_SHIFT) & F64_EXP_MASK) - F64_BIAS;
}

/** floor(log2(x)) for a positive finite f32 value x (subnormals included), from its bits. */
export function floorLog2F32(x: number): number {
  F32[0] = x;
  const b = F32_U[0] as number;
  const e = b >>> F32_MAN_BITS;
  // Subnormal: x = fraction * 2^-149, floor(log2) = index of the fraction's leading bit - 149.
  return e === 0 ? 31 - Math.clz32(b) + F32_SUBNORMAL_EXP : e - F32_BIAS;
}

/**
 * `storeScale` (scale.ts): Math.fround for f32; for f16 the nearest f16 value of x (ties to
 * even, one rounding from f64) for 0 <= x, and the reference (with its overflow error) otherwise.
 */
export function storeScaleFast(x: number, dtype: 'f32' | 'f16'): number {
  if (dtype === 'f32') return Math.fround(x);
  if (!(x >= 0 && x < F16_OVERFLOW)) return storeScale(x, dtype);
  if (x === 0) return x;
  // ulp of x in f16: 2^(max(e, -14) - 10); x / ulp < 2^11 is exact, rounded once to an integer.
  const e = f64Exponent(x);
  const ulp = pow2((e < F16_MIN_EXP ? F16_MIN_EXP : e) - F16_MAN_BITS);
  return (x / ulp + RNE_MAGIC - RNE_MAGIC) * ulp;
}

/** `mxSharedExp` (scale.ts) for an f32 amax: floor(log2(amax)) - emaxElem clamped to E8M0. */
export function mxSharedExpFast(amax: number, emaxElem: number): number {
  if (!(amax > 0)) return E8M0_MIN_EXP;
  const e = floorLog2F32(amax) - emaxElem;
  return e < E8M0_MIN_EXP ? E8M0_MIN_EXP : e > E8M0_MAX_EXP ? E8M0_MAX_EXP : e;
}

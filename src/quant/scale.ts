/**
 * Scale rules and scale storage rounding. A stored scale is always the exact value of its
 * storage type (f16 scales are f16 values, E8M0 scales powers of two, E4M3 scales E4M3 values),
 * and the quantizer encodes with the stored scale so dequantization reproduces what was chosen.
 */
import { getDType } from '../dtype/registry.js';
import { decode, encode } from '../dtype/codec.js';
import { roundToF16 } from '../dtype/f16.js';
import { floorLog2 } from '../dtype/rounding.js';

/**
 * Clip ratios tried by `scale: 'mse'`: 1.0 down to 0.5 in 21 steps of 0.025. The group scale is
 * ratio * (absmax rule); the ratio with the lowest group MSE wins, the first one on ties.
 */
export const MSE_CLIP_RATIOS: readonly number[] = Array.from({ length: 21 }, (_, i) => 1 - i * 0.025);

/** Rounds a raw scale to its f32 or f16 storage value; throws when f16 overflows. */
export function storeScale(x: number, dtype: 'f32' | 'f16'): number {
  if (dtype === 'f32') return Math.fround(x);
  const h = roundToF16(x);
  if (!Number.isFinite(h)) {
    throw new RangeError(`scale ${x} overflows f16 (max 65504); use scaleDType 'f32' (--scale-dtype f32)`);
  }
  return h;
}

/** OCP MX E8M0 exponent range: codes 0..254 are 2^-127..2^127 (0xFF is NaN). */
export const E8M0_MIN_EXP = -127;
export const E8M0_MAX_EXP = 127;

/**
 * OCP MX v1.0 section 6.3 shared exponent of a block: floor(log2(amax)) - emaxElem, clamped to
 * the E8M0 range. An all-zero block gets the smallest scale 2^-127 (its elements are all 0).
 */
export function mxSharedExp(amax: number, emaxElem: number): number {
  if (!(amax > 0)) return E8M0_MIN_EXP;
  const e = floorLog2(amax) - emaxElem;
  return Math.min(Math.max(e, E8M0_MIN_EXP), E8M0_MAX_EXP);
}

/** Largest E2M1 value (OCP MX v1.0 5.3.3), the NVFP4 element target. */
export const NVFP4_ELEMENT_MAX = getDType('float4_e2m1fn').info.max;
/** Largest E4M3 value, the NVFP4 block-scale range. */
export const NVFP4_SCALE_MAX = getDType('float8_e4m3fn').info.max;

/** NVFP4 FP32 tensor scale: amax(W) / (6 * 448), rounded to f32. */
export function nvfp4TensorScale(amax: number): number {
  return Math.fround(amax / (NVFP4_ELEMENT_MAX * NVFP4_SCALE_MAX));
}

/** A value rounded to the nearest E4M3 (RNE, saturating at 448) through the registry codec. */
export function roundToE4M3(x: number): number {
  return decode('float8_e4m3fn', encode('float8_e4m3fn', x));
}

/** The E8M0 code of a power-of-two scale 2^e. */
export function e8m0Code(exp: number): number {
  return encode('float8_e8m0fnu', 2 ** exp);
}

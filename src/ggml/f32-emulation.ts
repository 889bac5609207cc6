/**
 * The f32 arithmetic of llama.cpp's reference quantizers (ggml-quants.c), emulated exactly.
 *
 * JavaScript computes in f64; an f32 operation of the C code is reproduced by doing it in f64 and
 * rounding the result with Math.fround. For +, -, *, / and sqrt of f32 operands that double
 * rounding is innocuous (53 >= 2 * 24 + 2 bits), so every such step is bit-exact. The reference
 * is the plain, non-contracted C code: `a * b + c` is two roundings (an FMA would be one), as
 * the compiler emits it for baseline x86-64 (no FMA instructions) and as ggml's reference
 * quantizers are meant to be read.
 *
 * Conversions from float to integer follow C on x86-64: truncation toward zero to a 32-bit
 * integer (cvttss2si, which gives INT32_MIN for NaN and out-of-range values), then the low bits
 * for int8_t / uint8_t destinations.
 */
import { f16BitsToF32, f32ToF16Bits } from '../dtype/f16.js';

/** Math.fround: one f32 rounding. */
export const f = Math.fround;

/** GROUP_MAX_EPS (ggml-quants.c): groups whose absmax is below it quantize to zero. */
export const GROUP_MAX_EPS = f(1e-15);

/** 1.5 * 2^23: adding it to |x| < 2^22 leaves round-half-even(x) in the low mantissa bits. */
const ROUND_MAGIC = 12582912;
/** Mantissa mask of an f32 bit pattern. */
const F32_MANTISSA_MASK = 0x007fffff;
/** The mantissa bits of ROUND_MAGIC itself (2^22). */
const ROUND_MAGIC_MANTISSA = 0x00400000;

const scratchF32 = new Float32Array(1);
const scratchI32 = new Int32Array(scratchF32.buffer);

/**
 * ggml's nearest_int(fval): `val = fval + 12582912.f`, then the low 23 bits of val's pattern
 * minus 2^22. For |fval| <= 4194303 this is round-half-even(fval); outside that range (or for
 * inf/NaN) the same bit manipulation gives what the C code gives.
 */
export function nearestInt(fval: number): number {
  scratchF32[0] = fval + ROUND_MAGIC;
  return ((scratchI32[0] as number) & F32_MANTISSA_MASK) - ROUND_MAGIC_MANTISSA;
}

/** Smallest and largest value a C float -> int32 conversion takes without overflow. */
const INT32_LIMIT = 2 ** 31;
/** cvttss2si's "integer indefinite" result for NaN and out-of-range inputs. */
const INT32_INDEFINITE = -INT32_LIMIT;

/** C `(int32_t) x` for a float x on x86-64: truncation toward zero; INT32_MIN when out of range. */
export function floatToInt32(x: number): number {
  if (!(x > -INT32_LIMIT - 1 && x < INT32_LIMIT)) return INT32_INDEFINITE;
  return Math.trunc(x) | 0;
}

/** C `(int8_t) x` for a float x: the low byte of the truncated int32, sign-extended. */
export function floatToInt8(x: number): number {
  return (floatToInt32(x) << 24) >> 24;
}

/** C `(uint8_t) x` for a float x: the low byte of the truncated int32. */
export function floatToUint8(x: number): number {
  return floatToInt32(x) & 0xff;
}

/** C `(int8_t) i` for an int i: the low byte, sign-extended. */
export function intToInt8(i: number): number {
  return (i << 24) >> 24;
}

/** C lroundf / roundf: round half away from zero (x is an f32 value, so |x| + 0.5 is exact). */
export function roundHalfAway(x: number): number {
  const r = Math.floor(Math.abs(x) + 0.5);
  return x < 0 ? -r : r;
}

/** GGML_FP32_TO_FP16: the f16 bit pattern nearest to x (ties to even; overflow gives inf). */
export function toF16Bits(x: number): number {
  return f32ToF16Bits(x);
}

/** GGML_FP16_TO_FP32. */
export function fromF16Bits(h: number): number {
  return f16BitsToF32(h);
}

/** Reads the little-endian f16 at `off` as its value. */
export function readF16(bytes: Uint8Array, off: number): number {
  return f16BitsToF32((bytes[off] as number) | ((bytes[off + 1] as number) << 8));
}

/** Largest finite f16 bit pattern's exponent field: an f16 with this field is inf or NaN. */
const F16_EXP_ALL_ONES = 0x7c00;

/**
 * Stores x as a little-endian f16 at `off` and returns the stored value (what GGML_FP16_TO_FP32
 * reads back). Throws a RangeError naming `what` when x overflows f16 (llama.cpp would store inf).
 */
export function writeF16(bytes: Uint8Array, off: number, x: number, what: string): number {
  const h = toF16Bits(x);
  if ((h & F16_EXP_ALL_ONES) === F16_EXP_ALL_ONES) {
    throw new RangeError(`${what} = ${x} overflows f16 (max 65504); the weights are too large for this format`);
  }
  bytes[off] = h & 0xff;
  bytes[off + 1] = h >>> 8;
  return f16BitsToF32(h);
}

/**
 * Small exact-arithmetic helpers shared by the codecs and scale rules. All work on f64 numbers
 * and are exact for the values they are used on (powers of two, integers below 2^53).
 */

/** Round half to even (IEEE 754 roundTiesToEven) to an integer; JS Math.round rounds half up. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends x.5 up (towards +inf); when that lands on an odd integer, step back down.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** 1.5 * 2^52: x + C - C rounds to an integer, ties to even (|x| < 2^51). */
const RNE_MAGIC = 6755399441055744;
/** Magnitudes from which every f64 is an integer (no rounding needed). */
const F64_INTEGER_ABOVE = 2 ** 51;

/** {@link roundHalfEven} without the branchy tie fix, for hot loops (the same integer for every x; NaN stays NaN). */
export function roundHalfEvenFast(x: number): number {
  return x > -F64_INTEGER_ABOVE && x < F64_INTEGER_ABOVE ? x + RNE_MAGIC - RNE_MAGIC : x;
}

/** floor(log2(x)) for finite x > 0, exact (corrects Math.log2 rounding near powers of two). */
export function floorLog2(x: number): number {
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e -= 1;
  else if (2 ** (e + 1) <= x) e += 1;
  return e;
}

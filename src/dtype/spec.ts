/**
 * Datatype specs: the primary facts of each element datatype, and nothing derived.
 *
 * Three kinds:
 * - `int`: two's-complement (signed) or plain binary (unsigned) codes, optionally with an
 *   implicit power-of-two scale (MXINT8: 2^-6, OCP MX v1.0 section 5.3.3).
 * - `float`: sign / exponent / mantissa minifloats (OCP MX v1.0 section 5.3, ml_dtypes).
 * - `codebook`: an explicit value per code, in code order (NF4, BitMoD, ANT flint).
 *
 * Max, value lists, decode tables and integer grids are derived from these facts by the
 * functions in derive.ts; they are never retyped here.
 */

/**
 * Inf/NaN behaviour of a minifloat (ml_dtypes suffix conventions).
 * - `ieee`: exponent all ones is inf (mantissa 0) or NaN (mantissa != 0), e.g. float8_e5m2.
 * - `fn`: no inf; NaN only at exponent and mantissa all ones (S.1111.111 for E4M3, 0xFF for E8M0).
 * - `fnuz`: no inf, no negative zero; the negative-zero code (1000...0) is the only NaN.
 * - `finite`: no inf, no NaN; every code is a finite number (E2M1, E2M3, E3M2).
 */
export type FloatSpecials = 'ieee' | 'fn' | 'fnuz' | 'finite';

/**
 * How a nearest-value encoder breaks an exact tie between two neighbouring values.
 * - `even`: round half to even. Minifloats: the value whose code has an even mantissa LSB
 *   (IEEE 754 / OCP MX RNE). Integer-valued codebooks: the value whose integer is even.
 * - `lower`: the lower (more negative) value, as BitMoD's reference quantizer does
 *   (it selects value i when x <= midpoint(i, i+1)).
 * - `upper`: the higher value.
 */
export type TieRule = 'even' | 'lower' | 'upper';

/** Integer datatype: codes are the integers themselves (two's complement when signed). */
export interface IntSpec {
  readonly kind: 'int';
  readonly bits: number;
  readonly signed: boolean;
  /** Value = integer * 2^implicitScaleExp (0 for plain integers, -6 for MXINT8). */
  readonly implicitScaleExp: number;
  readonly description: string;
}

/** Sign / exponent / mantissa minifloat. */
export interface FloatSpec {
  readonly kind: 'float';
  readonly bits: number;
  readonly expBits: number;
  readonly manBits: number;
  readonly bias: number;
  /** False for unsigned formats (E8M0): no sign bit. */
  readonly signed: boolean;
  /**
   * True when exponent field 0 encodes subnormals (0.m * 2^(1-bias)) and zero. False for E8M0,
   * where exponent field 0 is the normal value 2^-bias and there is no zero.
   */
  readonly subnormals: boolean;
  readonly specials: FloatSpecials;
  readonly description: string;
}

/** Explicit value per code. */
export interface CodebookSpec {
  readonly kind: 'codebook';
  readonly bits: number;
  /**
   * Value of each code, in code order, length 2^bits. NaN marks a code that is never produced
   * (e.g. ternary 0b10). A redundant negative zero is written as -0.
   */
  readonly values: readonly number[];
  /** When every value is an integer multiple of `unit`, that unit (1 for integer-unit grids). */
  readonly unit?: number;
  readonly ties: TieRule;
  readonly description: string;
}

export type DTypeSpec = IntSpec | FloatSpec | CodebookSpec;

/**
 * Code-order value list of a sign-magnitude codebook: code `s << (bits-1) | m` has value
 * `(s ? -1 : 1) * magnitudes[m]`. The negative-zero code (`1 << (bits-1)`) gets `negZeroValue`
 * (-0 when it stays redundant, or the BitMoD special value that re-uses it).
 */
export function signMagnitudeValues(magnitudes: readonly number[], negZeroValue: number): number[] {
  const out = magnitudes.slice();
  out.push(negZeroValue);
  for (let m = 1; m < magnitudes.length; m++) out.push(-(magnitudes[m] as number));
  return out;
}

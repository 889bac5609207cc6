/**
 * The datatype registry: every element and scale datatype lowbit knows, defined once by its
 * primary facts (spec.ts). `getDType(name)` adds the derived views (decode table, sorted values,
 * finfo-like limits, integer grid), computed once per datatype and cached.
 */
import { unknownNameMessage } from '../util/nearest.js';
import { signMagnitudeValues, type CodebookSpec, type DTypeSpec, type FloatSpec, type IntSpec } from './spec.js';
import {
  deriveDecodeTable,
  deriveFiniteValues,
  deriveInfo,
  deriveIntegerGrid,
  type DTypeInfo,
  type IntegerGrid,
} from './derive.js';

function int(bits: number, signed: boolean, description: string, implicitScaleExp = 0): IntSpec {
  return { kind: 'int', bits, signed, implicitScaleExp, description };
}

function float(
  bits: number,
  expBits: number,
  manBits: number,
  bias: number,
  specials: FloatSpec['specials'],
  description: string,
): FloatSpec {
  return { kind: 'float', bits, expBits, manBits, bias, signed: true, subnormals: true, specials, description };
}

function codebook(bits: number, values: readonly number[], ties: CodebookSpec['ties'], description: string, unit?: number): CodebookSpec {
  return unit === undefined
    ? { kind: 'codebook', bits, values, ties, description }
    : { kind: 'codebook', bits, values, ties, unit, description };
}

/** BitMoD FP3 magnitudes in integer units (BitMoD, HPCA 2025): 0 1 2 4. */
const FP3_MAGNITUDES = [0, 1, 2, 4] as const;
/** BitMoD FP4 magnitudes in integer units: E2M1 values x2 (BitMoD, HPCA 2025). */
const FP4_MAGNITUDES = [0, 1, 2, 3, 4, 6, 8, 12] as const;
/** ANT flint4 magnitudes in integer units (ANT, MICRO 2022; as BitMoD lists it): FP4's 12 becomes 16. */
const FLINT4_MAGNITUDES = [0, 1, 2, 3, 4, 6, 8, 16] as const;
/** bitsandbytes NF4 levels, ascending (QLoRA, NeurIPS 2023; bitsandbytes). */
const NF4_LEVELS = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
] as const;

/**
 * llama.cpp IQ4_NL non-linear levels in integer units, ascending (kvalues_iq4nl, ggml-common.h);
 * a block's value is d * level.
 */
const IQ4_NL_LEVELS = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113] as const;

/** BitMoD grids re-use the redundant negative-zero code for the special value. */
const bitmod = (magnitudes: readonly number[], special: number, what: string): CodebookSpec =>
  codebook(
    magnitudes.length === 4 ? 3 : 4,
    signMagnitudeValues(magnitudes, special),
    'lower',
    `BitMoD ${what}: special value ${special} at the negative-zero code (integer units)`,
    1,
  );

/** All datatypes, keyed by name. */
export const DTYPES = {
  int2: int(2, true, 'two\'s-complement 2-bit integer (-2..1)'),
  int3: int(3, true, 'two\'s-complement 3-bit integer (-4..3)'),
  int4: int(4, true, 'two\'s-complement 4-bit integer (-8..7)'),
  int8: int(8, true, 'two\'s-complement 8-bit integer (-128..127)'),
  uint2: int(2, false, 'unsigned 2-bit integer (0..3), used with a zero point'),
  uint3: int(3, false, 'unsigned 3-bit integer (0..7), used with a zero point'),
  uint4: int(4, false, 'unsigned 4-bit integer (0..15), used with a zero point'),
  uint5: int(5, false, 'unsigned 5-bit integer (0..31), used with a zero point (ggml Q5_0/Q5_1/Q5_K codes)'),
  uint6: int(6, false, 'unsigned 6-bit integer (0..63), used with a zero point (ggml Q6_K codes)'),
  uint8: int(8, false, 'unsigned 8-bit integer (0..255), used with a zero point'),
  mxint8: int(8, true, 'OCP MX INT8 element: two\'s complement with implicit scale 2^-6 (MX v1.0 5.3.3)', -6),
  fp3: codebook(3, signMagnitudeValues(FP3_MAGNITUDES, -0), 'lower', 'BitMoD FP3: sign + 2 magnitude bits, 0 +-1 +-2 +-4; code 0b100 is a redundant -0', 1),
  float4_e2m1fn: float(4, 2, 1, 1, 'finite', 'OCP FP4 E2M1, bias 1, max 6, no inf/NaN (MX v1.0 5.3.3)'),
  float5_e2m2: float(5, 2, 2, 1, 'finite', 'E2M2 minifloat, bias 1, max 7, no inf/NaN'),
  float5_e3m1: float(5, 3, 1, 3, 'finite', 'E3M1 minifloat, bias 3, max 24, no inf/NaN'),
  float6_e2m3fn: float(6, 2, 3, 1, 'finite', 'OCP FP6 E2M3, bias 1, max 7.5, no inf/NaN (MX v1.0 5.3.2)'),
  float6_e3m2fn: float(6, 3, 2, 3, 'finite', 'OCP FP6 E3M2, bias 3, max 28, no inf/NaN (MX v1.0 5.3.2)'),
  float8_e4m3fn: float(8, 4, 3, 7, 'fn', 'OCP FP8 E4M3, bias 7, max 448, NaN = S.1111.111, no inf (OFP8 / MX v1.0 5.3.1)'),
  float8_e5m2: float(8, 5, 2, 15, 'ieee', 'OCP FP8 E5M2, bias 15, max 57344, IEEE inf/NaN (OFP8 / MX v1.0 5.3.1)'),
  float8_e8m0fnu: {
    kind: 'float',
    bits: 8,
    expBits: 8,
    manBits: 0,
    bias: 127,
    signed: false,
    subnormals: false,
    specials: 'fn',
    description: 'OCP E8M0 scale: 2^(code-127), no sign, no zero, 0xFF = NaN (MX v1.0 5.4.1)',
  } satisfies FloatSpec,
  nf4: codebook(4, NF4_LEVELS, 'lower', 'bitsandbytes NF4 levels (QLoRA), code = index in ascending order'),
  // Ties go to the upper level, as ggml's best_index_int8 does (it keeps mu unless x is
  // strictly closer to the level below).
  iq4_nl: codebook(4, IQ4_NL_LEVELS, 'upper', 'llama.cpp IQ4_NL levels (kvalues_iq4nl), code = index in ascending order (integer units)', 1),
  flint4: codebook(4, signMagnitudeValues(FLINT4_MAGNITUDES, -0), 'lower', 'ANT flint4, sign-magnitude codes, code 0b1000 is a redundant -0 (integer units)', 1),
  fp4_er_pos: bitmod(FP4_MAGNITUDES, 10, 'FP4 extra resolution +'),
  fp4_er_neg: bitmod(FP4_MAGNITUDES, -10, 'FP4 extra resolution -'),
  fp4_ea_pos: bitmod(FP4_MAGNITUDES, 16, 'FP4 extra asymmetry +'),
  fp4_ea_neg: bitmod(FP4_MAGNITUDES, -16, 'FP4 extra asymmetry -'),
  fp3_er_pos: bitmod(FP3_MAGNITUDES, 3, 'FP3 extra resolution +'),
  fp3_er_neg: bitmod(FP3_MAGNITUDES, -3, 'FP3 extra resolution -'),
  fp3_ea_pos: bitmod(FP3_MAGNITUDES, 6, 'FP3 extra asymmetry +'),
  fp3_ea_neg: bitmod(FP3_MAGNITUDES, -6, 'FP3 extra asymmetry -'),
  // Ternary uses the int2 two's-complement codes: 0b00 = 0, 0b01 = +1, 0b11 = -1; 0b10 (-2)
  // is never produced. Ties (|x| = 0.5) round half to even, i.e. to 0, like torch.round.
  ternary: codebook(2, [0, 1, Number.NaN, -1], 'even', 'BitNet b1.58 ternary: int2 codes 00=0 01=+1 11=-1, 10 unused', 1),
  // Binary follows the LUT sign convention s = 2b - 1: code 1 = +1, code 0 = -1; 0 goes to +1.
  binary: codebook(1, [-1, 1], 'upper', 'sign bit: code 0 = -1, code 1 = +1', 1),
} as const satisfies Record<string, DTypeSpec>;

/** Name of a registered datatype. */
export type DTypeName = keyof typeof DTYPES;

/** Every registered datatype name, in registry order. */
export const DTYPE_NAMES: readonly DTypeName[] = Object.keys(DTYPES) as DTypeName[];

/** A registered datatype with its derived views. Treat the typed arrays as read-only. */
export interface DType {
  readonly name: DTypeName;
  readonly spec: DTypeSpec;
  readonly bits: number;
  /** Value of each code (length 2^bits); NaN for NaN codes and for never-produced codebook codes. */
  readonly decodeTable: Float32Array;
  /** Distinct finite values, ascending (+0 and -0 count once, as 0). */
  readonly values: Float64Array;
  /** finfo-like limits. */
  readonly info: DTypeInfo;
  /** Integer grid (value = integer * unit) when the values are small integer multiples of a unit. */
  readonly grid: IntegerGrid | undefined;
}

const cache = new Map<string, DType>();

/** True when `name` is a registered datatype. */
export function isDTypeName(name: string): name is DTypeName {
  return Object.prototype.hasOwnProperty.call(DTYPES, name);
}

/** Looks up a datatype by name; throws an Error listing the known names for unknown ones. */
export function getDType(name: string): DType {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!isDTypeName(name)) {
    throw new Error(unknownNameMessage('datatype', name, DTYPE_NAMES));
  }
  const spec: DTypeSpec = DTYPES[name];
  const decodeTable = deriveDecodeTable(spec);
  const dt: DType = {
    name,
    spec,
    bits: spec.bits,
    decodeTable,
    values: deriveFiniteValues(spec),
    info: deriveInfo(spec),
    grid: deriveIntegerGrid(spec),
  };
  cache.set(name, dt);
  return dt;
}

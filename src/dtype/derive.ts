/**
 * Derived views of a datatype spec. Each view is computed by exactly one function here, from the
 * primary facts in the spec, and pinned by tests against literal values from the specs.
 */
import type { DTypeSpec, FloatSpec, IntSpec } from './spec.js';
import { floorLog2 } from './rounding.js';

/** finfo-like limits of a datatype (ml_dtypes style). */
export interface DTypeInfo {
  readonly bits: number;
  /** Largest finite value. */
  readonly max: number;
  /** Smallest (most negative) finite value; 0 or positive for unsigned formats. */
  readonly min: number;
  /** Floats: smallest positive normal. Ints and codebooks: smallest positive value. */
  readonly tiny: number;
  /** Smallest positive value (a subnormal for floats that have them). */
  readonly smallestPositive: number;
  /**
   * Floats: 2^-manBits (gap between 1 and the next value). Ints: the unit. Codebooks: the
   * smallest gap between neighbouring values.
   */
  readonly eps: number;
  /** floor(log2(max)): the exponent of the largest normal for floats (OCP MX emax_elem). */
  readonly emax: number;
  readonly hasInf: boolean;
  readonly hasNaN: boolean;
  /** True when some code decodes to -0 (sign-magnitude formats). */
  readonly hasNegZero: boolean;
  /** First NaN code in code order, or -1. */
  readonly nanCode: number;
  /** Number of distinct finite values (+0 and -0 once). */
  readonly numValues: number;
}

/** Values as integers of a unit: value = integer * unit. */
export interface IntegerGrid {
  readonly unit: number;
  /** Integer of each code (length 2^bits); 0 where `validCode` is 0 (NaN, inf, unused codes). */
  readonly byCode: Int32Array;
  /** 1 for codes whose value is finite and on the grid. */
  readonly validCode: Uint8Array;
  /** Distinct integers, ascending. */
  readonly sorted: Int32Array;
}

function decodeInt(spec: IntSpec, code: number): number {
  const half = 1 << (spec.bits - 1);
  const q = spec.signed && code >= half ? code - 2 * half : code;
  return q * 2 ** spec.implicitScaleExp;
}

function decodeFloat(spec: FloatSpec, code: number): number {
  const { bits, expBits, manBits, bias } = spec;
  const expAllOnes = (1 << expBits) - 1;
  const manAllOnes = (1 << manBits) - 1;
  const signBit = spec.signed ? 1 << (bits - 1) : 0;
  const negative = (code & signBit) !== 0;
  const e = (code >> manBits) & expAllOnes;
  const m = code & manAllOnes;
  if (spec.specials === 'fnuz' && code === signBit) return Number.NaN;
  if (spec.specials === 'ieee' && e === expAllOnes) return m === 0 ? (negative ? -Infinity : Infinity) : Number.NaN;
  if (spec.specials === 'fn' && e === expAllOnes && m === manAllOnes) return Number.NaN;
  // Subnormal: 0.m * 2^(1-bias); normal: 1.m * 2^(e-bias). Both as integer * 2^k, exact in f64.
  const v = spec.subnormals && e === 0 ? m * 2 ** (1 - bias - manBits) : ((1 << manBits) + m) * 2 ** (e - bias - manBits);
  return negative ? -v : v;
}

/** Exact value of one code (f64). NaN for NaN and unused codes. */
export function decodeCodeExact(spec: DTypeSpec, code: number): number {
  switch (spec.kind) {
    case 'int':
      return decodeInt(spec, code);
    case 'float':
      return decodeFloat(spec, code);
    case 'codebook':
      return spec.values[code] ?? Number.NaN;
  }
}

/** Decode table: value of every code 0..2^bits-1 as f32 (NaN for NaN/unused codes). */
export function deriveDecodeTable(spec: DTypeSpec): Float32Array {
  const n = 1 << spec.bits;
  if (spec.kind === 'codebook' && spec.values.length !== n) {
    throw new Error(`codebook has ${spec.values.length} values for ${spec.bits} bits (needs ${n})`);
  }
  const table = new Float32Array(n);
  for (let c = 0; c < n; c++) table[c] = decodeCodeExact(spec, c);
  return table;
}

/** Distinct finite values (as stored in the f32 decode table), ascending; -0 merges with +0. */
export function deriveFiniteValues(spec: DTypeSpec): Float64Array {
  const table = deriveDecodeTable(spec);
  const vals: number[] = [];
  for (const v of table) if (Number.isFinite(v)) vals.push(v === 0 ? 0 : v);
  vals.sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of vals) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return Float64Array.from(out);
}

/** finfo-like limits (see DTypeInfo). */
export function deriveInfo(spec: DTypeSpec): DTypeInfo {
  const table = deriveDecodeTable(spec);
  const values = deriveFiniteValues(spec);
  const max = values[values.length - 1] as number;
  const min = values[0] as number;
  let smallestPositive = Infinity;
  for (const v of values) if (v > 0 && v < smallestPositive) smallestPositive = v;
  let hasInf = false;
  let nanCode = -1;
  let hasNegZero = false;
  table.forEach((v, c) => {
    if (v === Infinity || v === -Infinity) hasInf = true;
    if (Number.isNaN(v) && nanCode < 0) nanCode = c;
    if (Object.is(v, -0)) hasNegZero = true;
  });
  // NaN entries of a codebook mark unused codes, not NaN values.
  const hasNaN = spec.kind === 'float' && nanCode >= 0;
  let tiny = smallestPositive;
  let eps: number;
  if (spec.kind === 'float') {
    tiny = 2 ** ((spec.subnormals ? 1 : 0) - spec.bias);
    eps = 2 ** -spec.manBits;
  } else if (spec.kind === 'int') {
    eps = 2 ** spec.implicitScaleExp;
  } else {
    eps = Infinity;
    for (let i = 1; i < values.length; i++) eps = Math.min(eps, (values[i] as number) - (values[i - 1] as number));
  }
  return {
    bits: spec.bits,
    max,
    min,
    tiny,
    smallestPositive,
    eps,
    emax: floorLog2(max),
    hasInf,
    hasNaN,
    hasNegZero,
    nanCode: hasNaN ? nanCode : -1,
    numValues: values.length,
  };
}

/** Largest integer magnitude an integer grid may hold (fits i32 with room to add terms). */
const GRID_LIMIT = 2 ** 30;

/**
 * Integer grid: unit and per-code integers, when every finite value is an integer multiple of
 * the unit below 2^30 in magnitude. Ints: unit 2^implicitScaleExp. Floats: the smallest
 * subnormal 2^(1-bias-manBits). Codebooks: their declared unit. Undefined otherwise (NF4,
 * E5M2 whose range is too wide, E8M0).
 */
export function deriveIntegerGrid(spec: DTypeSpec): IntegerGrid | undefined {
  let unit: number;
  if (spec.kind === 'int') unit = 2 ** spec.implicitScaleExp;
  else if (spec.kind === 'float') unit = 2 ** ((spec.subnormals ? 1 : 0) - spec.bias - spec.manBits);
  else if (spec.unit !== undefined) unit = spec.unit;
  else return undefined;
  const table = deriveDecodeTable(spec);
  const byCode = new Int32Array(table.length);
  const validCode = new Uint8Array(table.length);
  const set = new Set<number>();
  for (let c = 0; c < table.length; c++) {
    const v = table[c] as number;
    if (!Number.isFinite(v)) continue;
    const q = v / unit;
    if (!Number.isInteger(q) || Math.abs(q) > GRID_LIMIT) return undefined;
    byCode[c] = q === 0 ? 0 : q;
    validCode[c] = 1;
    set.add(q === 0 ? 0 : q);
  }
  const sorted = Int32Array.from([...set].sort((a, b) => a - b));
  return { unit, byCode, validCode, sorted };
}

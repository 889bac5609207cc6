/**
 * The `bitserial` kernel: BitMoD-style mpGEMM (BitMoD, HPCA 2025; docs/KERNELS.md). Every weight is an
 * integer q of its element type's unit (value = q * unit, e.g. unit 0.5 for E2M1, 1 for the
 * BitMoD FP3/FP4 grids written in integer units) and q is a sum of a few signed power-of-two
 * terms sign * 2^shift. A group's partial sum is accumulated term by term, sign * x * 2^shift
 * (the x << shift of a shift-and-add PE; exact in floating point), in f32, and rescaled ONCE
 * per group by scale * unit (and once per output by the tensor scale).
 *
 * Term encodings (chosen per integer set, docs/KERNELS.md):
 * - `binary`: sign-magnitude binary, one term per set bit of |q|, all with the sign of q. Used
 *   when every |q| has at most 2 set bits: every BitMoD FP3/FP4 value (3 = 2+1, 6 = 4+2,
 *   10 = 8+2, 12 = 8+4, 16 = 16), flint4, E2M1, ternary, binary, int2, int3.
 * - `booth`: radix-4 Booth recoding of the two's-complement q: digits d_j in {0, +-1, +-2} with
 *   q = sum_j d_j 4^j, one term per nonzero digit (+-1 -> shift 2j, +-2 -> shift 2j+1). Used for
 *   int4 (7 = 8 - 1), int8 and wider grids (at most ceil((bits+1)/2) terms).
 * Asymmetric integers are recoded per element as q - zero (an integer of the same unit), so the
 * zero point costs nothing at run time and adds no error term.
 *
 * Arithmetic and bound: per group and term plane p (p-th term of each element) an f32 partial
 * sum in four interleaved accumulators (at most G roundings per term), the T planes added (T),
 * one rescale (1), the output accumulation over ng groups (ng), the tensor scale (1); the
 * oracle's w adds 1 (2 with a tensor scale). Terms of one weight can have opposite signs under
 * Booth, so their magnitudes sum to kappa * |q| with kappa = max (sum_terms 2^shift) / |q| over
 * the values in use (1 for binary encodings). Each row's codes are unpacked once into term-table
 * indices and reused for all M rows of X; a term is read as mul[type][plane][index].
 *   c = boundConstant(G + T + ng + 2 (+2 with a tensor scale), K, kappa).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getDType } from '../dtype/registry.js';
import { getScheme, SCHEME_NAMES } from '../quant/schemes.js';
import { ggmlKernelRefusal } from './ggml-support.js';
import { checkMatmulArgs } from './args.js';
import { boundConstant } from './bound.js';
import { unpackRowCodes } from './unpack.js';
import { NO_BYTES } from './dequant.js';

/**
 * The general constant c of the bitserial kernel, valid for every supported scheme once K >= 16:
 * n <= K + 1 + T + 2 (+2 with a tensor scale), worst case Booth with T = 5 terms and kappa = 3
 * (q = 2 -> 4 - 2) gives 1.01 * 3 * (16 + 8) / 16 = 4.5; binary encodings (kappa 1) stay below 2.
 */
export const BITSERIAL_C = 5;

/** Most set bits a |q| may have for the plain binary encoding (BitMoD: 2 terms per weight). */
export const BINARY_MAX_TERMS = 2;
/** Radix of Booth digits: 4 (two bits per digit). */
const BOOTH_RADIX_BITS = 2;

/** One signed power-of-two term: sign * 2^shift. */
export interface BitSerialTerm {
  readonly shift: number;
  readonly sign: 1 | -1;
}

/** How integers are split into terms. */
export type TermEncoding = 'binary' | 'booth';

/** The terms of one code of a datatype. */
export interface BitSerialCode {
  readonly code: number;
  /** False for codes that decode to NaN/inf or are never produced (e.g. ternary 0b10): no terms. */
  readonly valid: boolean;
  /** Integer q in units of `unit` (0 when not valid). */
  readonly q: number;
  /** q * unit. */
  readonly value: number;
  /** sum of sign * 2^shift over the terms = q; descending shift. */
  readonly terms: readonly BitSerialTerm[];
}

/** A datatype's term table, for the kernel and for teaching views. */
export interface BitSerialTable {
  readonly dtype: string;
  readonly unit: number;
  readonly encoding: TermEncoding;
  /** Most terms of any code. */
  readonly maxTerms: number;
  /** max over nonzero q of (sum_terms 2^shift) / |q| (1 when all terms share the sign of q). */
  readonly kappa: number;
  readonly codes: readonly BitSerialCode[];
}

function popcount(v: number): number {
  let c = 0;
  for (let a = Math.abs(v); a > 0; a = Math.floor(a / 2)) c += a % 2;
  return c;
}

/**
 * Radix-4 Booth digits of an integer (|q| < 2^29): d_j = -2 y_{2j+1} + y_{2j} + y_{2j-1} over
 * the two's-complement bits y of q (y_{-1} = 0), enough digits that sum_j d_j 4^j = q.
 */
export function boothDigits(q: number): number[] {
  if (!Number.isInteger(q) || Math.abs(q) >= 2 ** 29) throw new RangeError(`boothDigits: ${q} is not an integer below 2^29 in magnitude`);
  const len = 32 - Math.clz32(Math.abs(q)) + 1; // magnitude bits + a sign bit
  const nd = Math.ceil(len / BOOTH_RADIX_BITS);
  const bit = (i: number) => (i < 0 ? 0 : (q >> i) & 1);
  const digits: number[] = [];
  for (let j = 0; j < nd; j++) digits.push(-2 * bit(2 * j + 1) + bit(2 * j) + bit(2 * j - 1));
  return digits;
}

/** The terms of integer q under `encoding`, descending shift. */
export function termsOf(q: number, encoding: TermEncoding): BitSerialTerm[] {
  const terms: BitSerialTerm[] = [];
  if (encoding === 'binary') {
    const sign = q < 0 ? -1 : 1;
    const a = Math.abs(q);
    for (let s = 31 - Math.clz32(a); s >= 0; s--) if ((a >>> s) & 1) terms.push({ shift: s, sign });
    return terms;
  }
  const d = boothDigits(q);
  for (let j = d.length - 1; j >= 0; j--) {
    const v = d[j];
    if (v !== 0) terms.push({ shift: BOOTH_RADIX_BITS * j + (Math.abs(v) === 2 ? 1 : 0), sign: v < 0 ? -1 : 1 });
  }
  return terms;
}

/** `binary` when every integer has at most BINARY_MAX_TERMS set bits, else `booth`. */
export function encodingFor(ints: Iterable<number>): TermEncoding {
  for (const q of ints) if (popcount(q) > BINARY_MAX_TERMS) return 'booth';
  return 'binary';
}

function kappaOf(terms: readonly BitSerialTerm[], q: number): number {
  if (q === 0) return 1;
  let s = 0;
  for (const t of terms) s += 2 ** t.shift;
  return s / Math.abs(q);
}

const tableCache = new Map<string, BitSerialTable>();

/** Why a datatype has no term table, or undefined when it has one. */
function gridReason(name: string): string | undefined {
  return getDType(name).grid === undefined
    ? `element type ${name} has no integer grid (its values are not small integer multiples of one unit)`
    : undefined;
}

/**
 * The term table of a datatype: for every code its integer q (value = q * unit) and the signed
 * power-of-two terms summing to q. Throws for datatypes without an integer grid (nf4, E5M2, E8M0).
 */
export function bitSerialTerms(dtypeName: string): BitSerialTable {
  const hit = tableCache.get(dtypeName);
  if (hit) return hit;
  const why = gridReason(dtypeName);
  if (why !== undefined) throw new Error(`bitSerialTerms: ${why}`);
  const grid = getDType(dtypeName).grid!;
  const encoding = encodingFor(grid.sorted);
  let maxTerms = 0;
  let kappa = 1;
  const codes: BitSerialCode[] = [];
  for (let c = 0; c < grid.byCode.length; c++) {
    const valid = grid.validCode[c] === 1;
    const q = valid ? grid.byCode[c] : 0;
    const terms = termsOf(q, encoding);
    maxTerms = Math.max(maxTerms, terms.length);
    kappa = Math.max(kappa, kappaOf(terms, q));
    codes.push({ code: c, valid, q, value: q * grid.unit, terms });
  }
  const table: BitSerialTable = { dtype: dtypeName, unit: grid.unit, encoding, maxTerms, kappa, codes };
  tableCache.set(dtypeName, table);
  return table;
}

function supportReason(elementTypes: readonly string[]): string | undefined {
  for (const t of elementTypes) {
    const why = gridReason(t);
    if (why !== undefined) return why;
  }
  return undefined;
}

/** Schemes the bitserial kernel takes, in registry order. */
export function bitSerialSchemes(): string[] {
  return SCHEME_NAMES.filter((s) => supportReason(getScheme(s).elementTypes) === undefined);
}

/** true when the bitserial kernel takes `target` (scheme name or tensor), else the reason. */
export function bitSerialSupport(target: QuantizedTensor | string): true | string {
  const types = typeof target === 'string' ? getScheme(target).elementTypes : target.elementTypes;
  const scheme = typeof target === 'string' ? target : target.scheme;
  const why = ggmlKernelRefusal(target) ?? supportReason(types);
  return why === undefined ? true : `kernel bitserial does not support scheme ${scheme}: ${why} (supported: ${bitSerialSchemes().join(', ')})`;
}

/**
 * The per-tensor term tables the kernel reads. Without zero points, entry index = code; with
 * them, index = q(code) + D - zero, covering every integer d = q - zero in [-D, D]; S entries per
 * table. For element type e and term plane p, mul[(e * T + p) * S + index] = sign * 2^shift of
 * term p (0 past the last term); codeIndex[(e << bits) | code] = index before the zero point.
 */
/**
 * The term lists the bit-serial kernels (this CPU kernel and the WGSL twin) use for a tensor:
 * without zero points, entry c of element type e is code c's terms; with zero points the entry
 * is the recoded difference q - zero + offset, so the zero point costs nothing at run time.
 */
export interface BitSerialTermTables {
  /** Most terms per weight (T). */
  readonly terms: number;
  /** Term-magnitude factor of the bound (Booth terms of opposite sign). */
  readonly kappa: number;
  /** Added to q - zero to index the entries (0 without zero points). */
  readonly offset: number;
  /** lists[e][entry] = the signed power-of-two terms of that entry; every type has the same count. */
  readonly lists: readonly (readonly (readonly BitSerialTerm[])[])[];
  /** codeIndex[e][code]: the entry of `code` of element type e (before subtracting a zero point). */
  readonly codeIndex: readonly Int32Array[];
  /** Grid unit of each element type (a power of two). */
  readonly units: readonly number[];
}

const termTablesCache = new WeakMap<QuantizedTensor, BitSerialTermTables>();

/** The term tables of `qt` (cached per tensor). Call after bitSerialSupport(qt) is true. */
export function bitSerialTermTables(qt: QuantizedTensor): BitSerialTermTables {
  const hit = termTablesCache.get(qt);
  if (hit) return hit;
  const grids = qt.elementTypes.map((name) => getDType(name).grid!);
  let terms = 1;
  let kappa = 1;
  let offset = 0;
  let lists: BitSerialTerm[][][];
  let codeIndex: Int32Array[];
  if (!qt.zeros) {
    lists = qt.elementTypes.map((name) => bitSerialTerms(name).codes.map((c) => c.terms.slice()));
    codeIndex = grids.map((g) => Int32Array.from(g.byCode, (_, c) => c));
    for (const name of qt.elementTypes) {
      const t = bitSerialTerms(name);
      terms = Math.max(terms, t.maxTerms);
      kappa = Math.max(kappa, t.kappa);
    }
  } else {
    const zmax = (1 << qt.bits) - 1;
    offset = zmax;
    for (const g of grids) {
      if (g.unit !== 1) throw new Error(`kernel bitserial: zero points need a unit-1 grid, ${qt.scheme} has unit ${g.unit}`);
      for (const v of g.sorted) offset = Math.max(offset, Math.abs(v) + zmax);
    }
    const d = offset;
    lists = grids.map((g) => {
      const ints: number[] = [];
      for (const v of g.sorted) for (let z = 0; z <= zmax; z++) ints.push(v - z);
      const enc = encodingFor(ints);
      const out: BitSerialTerm[][] = [];
      for (let q = -d; q <= d; q++) {
        const l = termsOf(q, enc);
        terms = Math.max(terms, l.length);
        kappa = Math.max(kappa, kappaOf(l, q));
        out.push(l);
      }
      return out;
    });
    codeIndex = grids.map((g) => Int32Array.from(g.byCode, (q) => q + d));
  }
  const tables: BitSerialTermTables = { terms, kappa, offset, lists, codeIndex, units: grids.map((g) => g.unit) };
  termTablesCache.set(qt, tables);
  return tables;
}

/** The CPU kernel's flat form of the term tables. */
interface KernelTerms {
  readonly T: number;
  readonly S: number;
  readonly codeIndex: Int32Array;
  readonly mul: Float32Array;
  readonly unit: Float64Array;
  readonly kappa: number;
}

const kernelTermsCache = new WeakMap<QuantizedTensor, KernelTerms>();

function kernelTerms(qt: QuantizedTensor): KernelTerms {
  const hit = kernelTermsCache.get(qt);
  if (hit) return hit;
  const { terms: T, kappa, lists, codeIndex, units } = bitSerialTermTables(qt);
  const S = lists[0]!.length;
  const mul = new Float32Array(lists.length * T * S);
  lists.forEach((l, e) => l.forEach((ts, i) => ts.forEach((t, p) => (mul[(e * T + p) * S + i] = t.sign * 2 ** t.shift))));
  const ci = new Int32Array(codeIndex.length << qt.bits);
  codeIndex.forEach((c, e) => ci.set(c, e << qt.bits));
  const kt: KernelTerms = { T, S, codeIndex: ci, mul, unit: Float64Array.from(units), kappa };
  kernelTermsCache.set(qt, kt);
  return kt;
}

/** The bound constant c of the bitserial kernel for `qt` (file comment). */
export function bitSerialBoundC(qt: QuantizedTensor): number {
  const kt = kernelTerms(qt);
  const ng = qt.cols / qt.groupSize;
  const ts = qt.hasTensorScale || qt.tensorScale !== 1 ? 2 : 0;
  return boundConstant(qt.groupSize + kt.T + ng + 2 + ts, qt.cols, kt.kappa);
}

/** Most terms per weight and kappa the kernel uses for `qt` (for reports). */
export function bitSerialShape(qt: QuantizedTensor): { readonly terms: number; readonly kappa: number } {
  const kt = kernelTerms(qt);
  return { terms: kt.T, kappa: kt.kappa };
}

/**
 * Y[M, N] = X . W^T, bit-serial: per group, sum over term planes p of sum_k x_k * sign * 2^shift
 * in f32, then one multiply by scale * unit (file comment). Each row of W is unpacked once into
 * term-table indices, reused for all M rows of X.
 */
export function matmulBitSerial(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const y = checkMatmulArgs('bitserial', x, m, qt, out);
  const ok = bitSerialSupport(qt);
  if (ok !== true) throw new Error(ok);
  const { zeros, dtypeIds } = qt;
  const kt = kernelTerms(qt);
  bitSerialCore(
    x, m, qt.rows, qt.cols, qt.groupSize, qt.bits, qt.wordsPerRow, qt.codes, qt.scales,
    zeros ?? NO_BYTES, zeros !== undefined, dtypeIds ?? NO_BYTES, dtypeIds !== undefined,
    kt.T, kt.S, kt.codeIndex, kt.mul, kt.unit, qt.tensorScale, qt.hasTensorScale || qt.tensorScale !== 1, y,
  );
  return y;
}

/** The bit-serial loops over plain typed arrays and numbers only (monomorphic for every scheme). */
function bitSerialCore(
  x: Float32Array, m: number, n: number, k: number, gs: number, bits: number, wordsPerRow: number,
  codes: Uint32Array, scales: Float32Array, zeros: Uint8Array, hasZeros: boolean, ids: Uint8Array, hasIds: boolean,
  T: number, S: number, codeIndex: Int32Array, mul: Float32Array, unit: Float64Array, ts: number, useTs: boolean, y: Float32Array,
): void {
  const ng = k / gs;
  const f = Math.fround;
  const codeRow = new Uint8Array(k);
  // Table index of every element of the current row (code, or q + D - zero with zero points).
  const rowIdx = new Int32Array(k);
  // scale * unit per group of the current row (unit is a power of two: the product is exact).
  const su = new Float64Array(ng);
  const g4 = gs - (gs % 4);
  for (let r = 0; r < n; r++) {
    unpackRowCodes(codes, r * wordsPerRow, k, bits, codeRow);
    const gBase = r * ng;
    for (let g = 0, k0 = 0; g < ng; g++, k0 += gs) {
      const e = hasIds ? ids[gBase + g] : 0;
      const cb = e << bits;
      const off = hasZeros ? -zeros[gBase + g] : 0;
      su[g] = scales[gBase + g] * unit[e];
      for (let t = k0, end = k0 + gs; t < end; t++) rowIdx[t] = codeIndex[cb | codeRow[t]] + off;
    }
    for (let i = 0; i < m; i++) {
      const xo = i * k;
      let acc = 0;
      for (let g = 0, k0 = 0; g < ng; g++, k0 += gs) {
        const eBase = (hasIds ? ids[gBase + g] : 0) * T;
        const xg = xo + k0;
        let grp = 0;
        // Term plane p: the p-th signed power-of-two term of every weight of the group.
        for (let p = 0; p < T; p++) {
          const mp = (eBase + p) * S;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let t = 0;
          if (gs >= 4) {
            for (; t < g4; t += 4) {
              s0 = f(s0 + x[xg + t] * mul[mp + rowIdx[k0 + t]]);
              s1 = f(s1 + x[xg + t + 1] * mul[mp + rowIdx[k0 + t + 1]]);
              s2 = f(s2 + x[xg + t + 2] * mul[mp + rowIdx[k0 + t + 2]]);
              s3 = f(s3 + x[xg + t + 3] * mul[mp + rowIdx[k0 + t + 3]]);
            }
          }
          for (; t < gs; t++) s0 = f(s0 + x[xg + t] * mul[mp + rowIdx[k0 + t]]);
          grp = f(grp + f(f(s0 + s1) + f(s2 + s3)));
        }
        acc = f(acc + f(grp * su[g]));
      }
      y[i * n + r] = useTs ? f(acc * ts) : acc;
    }
  }
}

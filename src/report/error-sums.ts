/**
 * The error of a quantized tensor against its f32 original without a full dequantized copy, with
 * the sums behind every metric accumulated in f64 and in element order, so the figures are
 * identical to `errorMetrics(w, dequantize(qt))`. Two paths, both tested equal to that:
 *
 * - the fast path decodes each group through a small table of its dequantized values (one entry
 *   per code, computed with the reference's own arithmetic: ((decode(c) - zero) * scale) rounded
 *   to f32 at each step, times the tensor scale, minus the offset) and sums as it goes, writing
 *   nothing;
 * - the block path (when a visitor needs the dequantized rows, for the activation error) runs the
 *   reference `dequantize` on row slices of ERROR_BLOCK_ELEMENTS into a scratch block.
 *
 * Memory: a code table or the scratch block, never a second tensor-sized array. Pure TS.
 */
import { getDType } from '../dtype/registry.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { ErrorMetrics } from '../quant/metrics.js';
import { dequantize } from '../quant/quantize.js';

/** Elements dequantized per block (256 KiB of f32): large enough to amortize, small enough for the cache. */
export const ERROR_BLOCK_ELEMENTS = 64 * 1024;
/** Widest code the fast path decodes through a per-group table (2^5 = 32 entries); wider codes are computed per element. */
const MAX_TABLE_BITS = 5;
const WORD_BITS = 32;
/** log2(WORD_BITS): bit index -> word index. */
const WORD_SHIFT = 5;

/** Sums of one tensor x scheme, in f64, accumulated in element order. */
export interface ErrorSums {
  readonly n: number;
  /** sum (ref - approx)^2 */
  readonly sumErr2: number;
  /** sum ref^2 */
  readonly sumRef2: number;
  /** sum approx^2 */
  readonly sumApprox2: number;
  /** sum ref * approx */
  readonly dot: number;
  /** max |ref - approx|; NaN if any difference is NaN. */
  readonly maxAbsErr: number;
}

/** Scheme-independent sums of the original, in the order errorMetrics computes them. */
export interface ReferenceSums {
  readonly n: number;
  readonly mean: number;
  /** sum (ref - mean)^2 (two-pass, for relMse) */
  readonly sumDev2: number;
  /** sum ref^2 */
  readonly sumRef2: number;
}

/** The mean, squared deviation and squared norm of `ref`, each summed in element order. */
export function referenceSums(ref: Float32Array): ReferenceSums {
  const n = ref.length;
  let sum = 0;
  let sumRef2 = 0;
  for (let i = 0; i < n; i++) {
    const r = ref[i]!;
    sum += r;
    sumRef2 += r * r;
  }
  const mean = sum / n;
  let sumDev2 = 0;
  for (let i = 0; i < n; i++) {
    const d = ref[i]! - mean;
    sumDev2 += d * d;
  }
  return { n, mean, sumDev2, sumRef2 };
}

/**
 * The rows [r0, r1) of `qt` as a QuantizedTensor sharing its arrays. Every per-group typed array
 * (one entry per group: scales, zeros, datatype ids, and any added later) is sliced by groups;
 * codes by words.
 */
export function sliceRows(qt: QuantizedTensor, r0: number, r1: number): QuantizedTensor {
  const gpr = qt.cols / qt.groupSize;
  const groups = qt.rows * gpr;
  const out: Record<string, unknown> = { ...qt, rows: r1 - r0, codes: qt.codes.subarray(r0 * qt.wordsPerRow, r1 * qt.wordsPerRow) };
  for (const [key, value] of Object.entries(qt)) {
    if (key === 'codes' || !ArrayBuffer.isView(value) || value instanceof DataView) continue;
    const arr = value as Float32Array | Uint8Array;
    if (arr.length === groups) out[key] = arr.subarray(r0 * gpr, r1 * gpr);
  }
  return out as unknown as QuantizedTensor;
}

/** A visitor of dequantized row blocks: `deq` holds rows [r0, r0 + deq.length / cols). */
export type BlockVisitor = (deq: Float32Array, r0: number) => void;

/** The fields of QuantizedTensor the fast path understands; anything else per group (a new field) sends a tensor to the block path. */
const KNOWN_FIELDS = new Set(['scheme', 'rows', 'cols', 'bits', 'groupSize', 'granularity', 'codes', 'wordsPerRow', 'elementTypes', 'dtypeIds', 'idBits', 'scales', 'scaleDType', 'zeros', 'tensorScale', 'hasTensorScale', 'offsets', 'blocks']);

/**
 * Error sums of `qt` against `ref` (rows * cols values; `refSums` from referenceSums(ref)).
 * With `visit`, the block path runs and the visitor sees each dequantized block; otherwise the
 * fast path (see the module comment).
 */
export function tensorErrorSums(ref: Float32Array, qt: QuantizedTensor, refSums: ReferenceSums, visit?: BlockVisitor): ErrorSums {
  if (ref.length !== qt.rows * qt.cols) throw new RangeError(`tensorErrorSums: ref has ${ref.length} elements, the tensor ${qt.rows} x ${qt.cols}`);
  const known = Object.keys(qt).every((k) => KNOWN_FIELDS.has(k));
  return visit !== undefined || !known ? blockErrorSums(ref, qt, refSums, visit) : fastErrorSums(ref, qt, refSums);
}

/** The block path: the reference dequantize on row slices, then the sums. */
function blockErrorSums(ref: Float32Array, qt: QuantizedTensor, refSums: ReferenceSums, visit?: BlockVisitor): ErrorSums {
  const { rows, cols } = qt;
  const blockRows = Math.max(1, Math.min(rows, Math.floor(ERROR_BLOCK_ELEMENTS / cols)));
  const scratch = new Float32Array(blockRows * cols);
  let sumErr2 = 0;
  let sumApprox2 = 0;
  let dot = 0;
  let maxAbsErr = 0;
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const r1 = Math.min(rows, r0 + blockRows);
    const deq = dequantize(sliceRows(qt, r0, r1), scratch.subarray(0, (r1 - r0) * cols));
    const base = r0 * cols;
    for (let j = 0, len = deq.length; j < len; j++) {
      const r = ref[base + j]!;
      const a = deq[j]!;
      const e = r - a;
      sumErr2 += e * e;
      sumApprox2 += a * a;
      dot += r * a;
      const absE = Math.abs(e);
      if (absE > maxAbsErr) maxAbsErr = absE;
    }
    visit?.(deq, r0);
  }
  // errorMetrics makes max |err| NaN once any difference is NaN, which is exactly when sumErr2 is NaN.
  return { n: rows * cols, sumErr2, sumRef2: refSums.sumRef2, sumApprox2, dot, maxAbsErr: Number.isNaN(sumErr2) ? NaN : maxAbsErr };
}

/**
 * What the fast path's row loops read, in one object of fixed shape so the loops stay
 * monomorphic (absent zero points and ids are empty arrays behind flags).
 */
class RowInput {
  readonly gpr: number;
  readonly mask: number;
  readonly useTs: boolean;
  readonly hasZeros: boolean;
  readonly hasIds: boolean;
  readonly hasOffsets: boolean;
  readonly zeros: Uint8Array;
  readonly ids: Uint8Array;
  readonly offsets: Float32Array;
  readonly tables: readonly Float32Array[];
  /** The current group's dequantized value per code. */
  readonly vals: Float64Array;
  /** Running sums carried from row to row: sumErr2, sumApprox2, dot, maxAbsErr. */
  readonly acc = new Float64Array(4);

  constructor(
    readonly ref: Float32Array,
    readonly qt: QuantizedTensor,
    readonly codes: Uint32Array,
    readonly scales: Float32Array,
  ) {
    this.gpr = qt.cols / qt.groupSize;
    this.mask = (1 << qt.bits) - 1;
    this.useTs = qt.hasTensorScale || qt.tensorScale !== 1;
    this.hasZeros = qt.zeros !== undefined;
    this.hasIds = qt.dtypeIds !== undefined;
    this.hasOffsets = qt.offsets !== undefined;
    this.zeros = qt.zeros ?? new Uint8Array(0);
    this.ids = qt.dtypeIds ?? new Uint8Array(0);
    this.offsets = qt.offsets ?? new Float32Array(0);
    this.tables = qt.elementTypes.map((name) => getDType(name).decodeTable);
    this.vals = new Float64Array(1 << Math.min(qt.bits, MAX_TABLE_BITS));
  }
}

/**
 * The dequantized value of code `c` of group `gi` with the reference's arithmetic (dequantize in
 * src/quant/quantize.ts): v = fround(fround(decode(c) - zero) * scale), then fround(v * tensorScale)
 * when a tensor scale applies, then fround(that - offset) when the tensor has offsets (ggml).
 */
function valueOf(inp: RowInput, table: Float32Array, gi: number, c: number): number {
  const f = Math.fround;
  const z = inp.hasZeros ? inp.zeros[gi]! : 0;
  const v = f(f(table[c]! - z) * inp.scales[gi]!);
  const t = inp.useTs ? f(v * inp.qt.tensorScale) : v;
  return inp.hasOffsets ? f(t - inp.offsets[gi]!) : t;
}

/** Tabulates every code of group `gi` into `inp.vals` (see valueOf). */
function tabulateGroup(inp: RowInput, gi: number): void {
  const table = inp.tables[inp.hasIds ? inp.ids[gi]! : 0]!;
  const vals = inp.vals;
  for (let c = 0; c <= inp.mask; c++) vals[c] = valueOf(inp, table, gi, c);
}

/** Row `r` when codes divide a word and groups are whole words: one load per word, codes from the low bits up. */
function rowByWords(inp: RowInput, r: number): void {
  const { ref, codes, vals, acc, mask, gpr } = inp;
  const bits = inp.qt.bits;
  const wordsPerGroup = (inp.qt.groupSize * bits) / WORD_BITS;
  let sumErr2 = acc[0]!;
  let sumApprox2 = acc[1]!;
  let dot = acc[2]!;
  let maxAbsErr = acc[3]!;
  let i = r * inp.qt.cols;
  let wi = r * inp.qt.wordsPerRow;
  for (let g = 0; g < gpr; g++) {
    tabulateGroup(inp, r * gpr + g);
    for (const wend = wi + wordsPerGroup; wi < wend; wi++) {
      const word = codes[wi]!;
      for (let sh = 0; sh < WORD_BITS; sh += bits, i++) {
        const a = vals[(word >>> sh) & mask]!;
        const x = ref[i]!;
        const e = x - a;
        sumErr2 += e * e;
        sumApprox2 += a * a;
        dot += x * a;
        const absE = Math.abs(e);
        if (absE > maxAbsErr) maxAbsErr = absE;
      }
    }
  }
  acc[0] = sumErr2;
  acc[1] = sumApprox2;
  acc[2] = dot;
  acc[3] = maxAbsErr;
}

/**
 * Row `r`, any layout: codes read at any bit offset (a code may straddle two words), through
 * the group's table up to MAX_TABLE_BITS, computed per element above it.
 */
function rowByCodes(inp: RowInput, r: number): void {
  const { ref, codes, vals, acc, mask, gpr } = inp;
  const { bits, groupSize, cols, wordsPerRow } = inp.qt;
  const tabulate = bits <= MAX_TABLE_BITS;
  let sumErr2 = acc[0]!;
  let sumApprox2 = acc[1]!;
  let dot = acc[2]!;
  let maxAbsErr = acc[3]!;
  const base = r * wordsPerRow;
  let i = r * cols;
  let bit = 0;
  for (let g = 0; g < gpr; g++) {
    const gi = r * gpr + g;
    if (tabulate) tabulateGroup(inp, gi);
    const table = inp.tables[inp.hasIds ? inp.ids[gi]! : 0]!;
    for (let k = 0; k < groupSize; k++, bit += bits, i++) {
      const wi = base + (bit >>> WORD_SHIFT);
      const sh = bit & (WORD_BITS - 1);
      let c = codes[wi]! >>> sh;
      if (sh + bits > WORD_BITS) c |= codes[wi + 1]! << (WORD_BITS - sh);
      c &= mask;
      const a = tabulate ? vals[c]! : valueOf(inp, table, gi, c);
      const x = ref[i]!;
      const e = x - a;
      sumErr2 += e * e;
      sumApprox2 += a * a;
      dot += x * a;
      const absE = Math.abs(e);
      if (absE > maxAbsErr) maxAbsErr = absE;
    }
  }
  acc[0] = sumErr2;
  acc[1] = sumApprox2;
  acc[2] = dot;
  acc[3] = maxAbsErr;
}

/**
 * The fast path: each group's codes decoded through a table of its dequantized values (see
 * tabulateGroup), one row per call (small functions the JIT optimizes as a whole), the sums
 * carried from row to row in element order. Codes: an LSB-first bit stream per row, rows
 * starting on a word.
 */
function fastErrorSums(ref: Float32Array, qt: QuantizedTensor, refSums: ReferenceSums): ErrorSums {
  const inp = new RowInput(ref, qt, qt.codes, qt.scales);
  // A code never straddles two words when its width divides 32 (1, 2, 4, 8 bits); when a group
  // is also a whole number of words, every group starts on a word.
  const byWords = qt.bits <= MAX_TABLE_BITS && WORD_BITS % qt.bits === 0 && (qt.groupSize * qt.bits) % WORD_BITS === 0;
  for (let r = 0; r < qt.rows; r++) {
    if (byWords) rowByWords(inp, r);
    else rowByCodes(inp, r);
  }
  const [sumErr2, sumApprox2, dot, maxAbsErr] = inp.acc as unknown as [number, number, number, number];
  // errorMetrics makes max |err| NaN once any difference is NaN, which is exactly when sumErr2 is NaN.
  return { n: qt.rows * qt.cols, sumErr2, sumRef2: refSums.sumRef2, sumApprox2, dot, maxAbsErr: Number.isNaN(sumErr2) ? NaN : maxAbsErr };
}

/** a / b with 0 / 0 = 0 (exact) and x / 0 = Infinity, as errorMetrics. */
function ratio(a: number, b: number): number {
  if (a === 0) return 0;
  return b === 0 ? Infinity : a / b;
}

/** The ErrorMetrics of these sums (the same definitions and arithmetic as `errorMetrics`). */
export function metricsFromSums(s: ErrorSums, ref: ReferenceSums): ErrorMetrics {
  const mse = s.sumErr2 / s.n;
  let cosine: number;
  if (s.sumRef2 === 0 && s.sumApprox2 === 0) cosine = 1;
  else if (s.sumRef2 === 0 || s.sumApprox2 === 0) cosine = 0;
  else cosine = s.dot / Math.sqrt(s.sumRef2 * s.sumApprox2);
  let sqnrDb: number;
  if (s.sumErr2 === 0) sqnrDb = Infinity;
  else if (s.sumRef2 === 0) sqnrDb = -Infinity;
  else sqnrDb = 10 * Math.log10(s.sumRef2 / s.sumErr2);
  return { mse, nmse: ratio(s.sumErr2, s.sumRef2), sqnrDb, maxAbsErr: s.maxAbsErr, cosine, relMse: ratio(mse, ref.sumDev2 / ref.n) };
}

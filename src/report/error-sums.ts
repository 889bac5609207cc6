/**
 * The error of a quantized tensor against its f32 original without a full dequantized copy: rows
 * are dequantized a block at a time into a small scratch buffer (the reference `dequantize` on a
 * row slice of the QuantizedTensor) and the sums behind every metric are accumulated at once, in
 * f64 and in element order, so the figures are identical to `errorMetrics(w, dequantize(qt))`.
 * Memory: the scratch block instead of a second tensor-sized array. Pure TS.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { ErrorMetrics } from '../quant/metrics.js';
import { dequantize } from '../quant/quantize.js';

/** Elements dequantized per block (256 KiB of f32): large enough to amortize, small enough for the cache. */
export const ERROR_BLOCK_ELEMENTS = 64 * 1024;

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

/** Scheme-independent sums of the original: its mean and two-pass squared deviation (for relMse). */
export interface ReferenceSums {
  readonly n: number;
  readonly mean: number;
  /** sum (ref - mean)^2 */
  readonly sumDev2: number;
}

/** The mean and squared deviation of `ref`, in the order errorMetrics computes them. */
export function referenceSums(ref: Float32Array): ReferenceSums {
  const n = ref.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += ref[i]!;
  const mean = sum / n;
  let sumDev2 = 0;
  for (let i = 0; i < n; i++) {
    const d = ref[i]! - mean;
    sumDev2 += d * d;
  }
  return { n, mean, sumDev2 };
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

/**
 * Error sums of `qt` against `ref` (rows * cols values), dequantizing ERROR_BLOCK_ELEMENTS at a
 * time; `visit`, when given, also sees each dequantized block (for the activation error).
 */
export function tensorErrorSums(ref: Float32Array, qt: QuantizedTensor, visit?: BlockVisitor): ErrorSums {
  const { rows, cols } = qt;
  if (ref.length !== rows * cols) throw new RangeError(`tensorErrorSums: ref has ${ref.length} elements, the tensor ${rows} x ${cols}`);
  const blockRows = Math.max(1, Math.min(rows, Math.floor(ERROR_BLOCK_ELEMENTS / cols)));
  const scratch = new Float32Array(blockRows * cols);
  let sumErr2 = 0;
  let sumRef2 = 0;
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
      sumRef2 += r * r;
      sumApprox2 += a * a;
      dot += r * a;
      const absE = Math.abs(e);
      if (absE > maxAbsErr || Number.isNaN(absE)) maxAbsErr = Number.isNaN(maxAbsErr) ? maxAbsErr : absE;
    }
    visit?.(deq, r0);
  }
  return { n: rows * cols, sumErr2, sumRef2, sumApprox2, dot, maxAbsErr };
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

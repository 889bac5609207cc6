/**
 * One scheme on one weight matrix: quantize, dequantize, and the honest figures a user compares
 * schemes by (bits/weight with all metadata, error metrics, chosen variants, time). Shared by the
 * CLI report, `lowbit quantize` and the browser app. Pure TS.
 */
import type { AnySchemeName } from './schemes.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { bitsPerWeight } from '../format/bits.js';
import { errorMetrics, type ErrorMetrics } from './metrics.js';
import { variantHistogram } from './mixture.js';
import { dequantize, quantize, type QuantizeOptions } from './quantize.js';

/** The outcome of {@link evaluateScheme}. */
export interface SchemeEvaluation {
  readonly scheme: string;
  readonly rows: number;
  readonly cols: number;
  readonly groupSize: number;
  readonly granularity: QuantizedTensor['granularity'];
  readonly scaleDType: QuantizedTensor['scaleDType'];
  /** Storage per weight including scales, zero points, datatype ids and tensor scale. */
  readonly bitsPerWeight: number;
  readonly metrics: ErrorMetrics;
  /** Groups per chosen element type (mixtures); a single entry otherwise. */
  readonly variants: Record<string, number>;
  /** Wall-clock milliseconds of quantize() alone. */
  readonly quantizeMs: number;
  readonly qt: QuantizedTensor;
  readonly dequantized: Float32Array;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Quantizes `w` [rows, cols] with `scheme` and measures it against the original. */
export function evaluateScheme(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions = {}): SchemeEvaluation {
  const t0 = now();
  const qt = quantize(w, rows, cols, scheme, opts);
  const quantizeMs = now() - t0;
  const dequantized = dequantize(qt);
  return {
    scheme,
    rows,
    cols,
    groupSize: qt.groupSize,
    granularity: qt.granularity,
    scaleDType: qt.scaleDType,
    bitsPerWeight: bitsPerWeight(qt),
    metrics: errorMetrics(w, dequantized),
    variants: variantHistogram(qt),
    quantizeMs,
    qt,
    dequantized,
  };
}

/** The fields of an evaluation its JSON form carries (the browser app's results have them too). */
export type EvaluationSummary = Pick<SchemeEvaluation, 'scheme' | 'rows' | 'cols' | 'groupSize' | 'granularity' | 'scaleDType' | 'bitsPerWeight' | 'metrics' | 'variants' | 'quantizeMs'>;

/** The JSON form of one evaluation (no arrays), as `lowbit quantize --json` and the app export it. */
export function evaluationJson(e: EvaluationSummary): Record<string, unknown> {
  return {
    scheme: e.scheme,
    shape: [e.rows, e.cols],
    groupSize: e.groupSize,
    granularity: e.granularity,
    scaleDType: e.scaleDType,
    bitsPerWeight: e.bitsPerWeight,
    ...e.metrics,
    variants: e.variants,
    quantizeMs: e.quantizeMs,
  };
}

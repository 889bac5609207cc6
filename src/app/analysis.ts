/**
 * What the Validate page draws besides the metrics: a weight histogram and the quantization
 * levels of a representative group. Pure TS (runs in the worker and in tests).
 */
import { getDType } from '../dtype/registry.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { HistogramData, RepresentativeGroup } from './protocol.js';

/** Bins of the weight histogram. */
export const HIST_BINS = 96;
/** Tensors larger than this are histogrammed through an even stride (the count says so). */
const HIST_MAX_COUNTED = 1 << 22;
/** Quantile-range estimates sample at most this many weights. */
const QUANTILE_SAMPLE = 1 << 18;
/**
 * The histogram spans at least the central 99 % of the weights: wide enough for the bulk, narrow
 * enough that a few outlier channels (counted apart as below/above) do not squeeze it.
 */
const TAIL = 0.005;

/** Central range of the weights [q(TAIL), q(1 - TAIL)] from an even-stride sample. */
export function centralRange(w: Float32Array): { lo: number; hi: number } {
  const stride = Math.max(1, Math.floor(w.length / QUANTILE_SAMPLE));
  const n = Math.ceil(w.length / stride);
  const s = new Float32Array(n);
  for (let i = 0, j = 0; i < w.length && j < n; i += stride, j++) s[j] = w[i] as number;
  s.sort();
  const at = (q: number): number => s[Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))))] as number;
  return { lo: at(TAIL), hi: at(1 - TAIL) };
}

/** Σ w² in f64: the denominator of NMSE, kept per tensor so the report can pool tensors. */
export function sumOfSquares(w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += (w[i] as number) * (w[i] as number);
  return s;
}

/** Counts `w` into HIST_BINS equal bins over [lo, hi]. */
export function histogram(w: Float32Array, lo: number, hi: number): HistogramData {
  const counts = new Array<number>(HIST_BINS).fill(0);
  const width = hi > lo ? (hi - lo) / HIST_BINS : 1;
  const stride = Math.max(1, Math.ceil(w.length / HIST_MAX_COUNTED));
  let below = 0;
  let above = 0;
  let counted = 0;
  for (let i = 0; i < w.length; i += stride) {
    const x = w[i] as number;
    counted += 1;
    if (x < lo) below += 1;
    else if (x > hi) above += 1;
    else {
      const b = Math.min(HIST_BINS - 1, Math.floor((x - lo) / width));
      counts[b] = (counts[b] as number) + 1;
    }
  }
  return { lo, hi, counts, below, above, counted, total: w.length };
}

/**
 * Values a code of `elementType` can take in the quantizer. Signed integer element types are
 * used with the symmetric code range +-(2^(b-1) - 1) (src/quant/schemes.ts: "signed integers
 * use the symmetric range"), so their most negative code is left out.
 */
export function usableGrid(elementType: string): number[] {
  const dt = getDType(elementType);
  const vals = Array.from(dt.values);
  if (dt.spec.kind === 'int' && dt.spec.signed) return vals.filter((v) => v >= -dt.info.max);
  return vals;
}

/**
 * The group whose stored scale is the median scale of the tensor, with its dequantized levels:
 * (grid value - zero) * scale (* tensorScale), evaluated in f32 in the order `dequantize` uses.
 */
export function representativeGroup(qt: QuantizedTensor): RepresentativeGroup {
  const groupsPerRow = qt.cols / qt.groupSize;
  const order = Array.from(qt.scales.keys()).sort((a, b) => (qt.scales[a] as number) - (qt.scales[b] as number));
  const g = order[Math.floor(order.length / 2)] as number;
  const id = qt.dtypeIds ? (qt.dtypeIds[g] as number) : 0;
  const elementType = qt.elementTypes[id] as string;
  const scale = qt.scales[g] as number;
  const zero = qt.zeros ? (qt.zeros[g] as number) : 0;
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const f = Math.fround;
  const levels = usableGrid(elementType).map((v) => {
    const d = f(f(v - zero) * scale);
    return useTs ? d * qt.tensorScale : d;
  });
  levels.sort((a, b) => a - b);
  const len = qt.granularity === 'tensor' ? qt.rows * qt.cols : qt.granularity === 'channel' ? qt.cols : qt.groupSize;
  return {
    row: Math.floor(g / groupsPerRow),
    col0: (g % groupsPerRow) * qt.groupSize,
    len,
    scale,
    zero,
    tensorScale: qt.tensorScale,
    elementType,
    levels,
  };
}

/** The histogram range for one scheme: the central weights and every level. */
export function histogramRange(central: { lo: number; hi: number }, levels: readonly number[]): { lo: number; hi: number } {
  const lo = Math.min(central.lo, levels[0] ?? central.lo);
  const hi = Math.max(central.hi, levels[levels.length - 1] ?? central.hi);
  const pad = (hi - lo) * 0.03 || 1e-6;
  return { lo: lo - pad, hi: hi + pad };
}

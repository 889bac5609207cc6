// Error metrics between a reference and an approximation (MSE, NMSE, SQNR, max |err|, cosine),
// accumulated in f64. Pure TS.

/** Arrays the metrics accept. */
export type MetricsArray = Float32Array | Float64Array;

/** Error of `approx` against `ref`, all computed in f64. */
export interface ErrorMetrics {
  /** mean((ref - approx)^2) */
  mse: number;
  /** mse / mean(ref^2) = sum err^2 / sum ref^2; 0 when exact, Infinity when ref is all zero and approx is not. */
  nmse: number;
  /** 10 log10(sum ref^2 / sum err^2) in dB; Infinity when exact. */
  sqnrDb: number;
  /** max |ref - approx|; NaN if any difference is NaN. */
  maxAbsErr: number;
  /** <ref, approx> / (|ref| |approx|); 1 when both are all zero, 0 when exactly one is. */
  cosine: number;
  /** mse / population variance of ref; 0 when exact, Infinity when ref is constant and approx differs. */
  relMse: number;
}

/** a / b with the 0 / 0 = 0 (exact) and x / 0 = Infinity conventions used above. */
function ratio(a: number, b: number): number {
  if (a === 0) return 0;
  return b === 0 ? Infinity : a / b;
}

/**
 * Error metrics of `approx` against `ref` (same length, at least one element). Accumulates in
 * f64 whatever the input precision; NaN inputs propagate to every metric they touch.
 */
export function errorMetrics(ref: MetricsArray, approx: MetricsArray): ErrorMetrics {
  const n = ref.length;
  if (approx.length !== n) {
    throw new Error(`errorMetrics: length mismatch: ref has ${n} elements, approx has ${approx.length}`);
  }
  if (n === 0) throw new Error('errorMetrics: empty input: ref and approx have 0 elements');

  let sumRef = 0;
  for (let i = 0; i < n; i++) sumRef += ref[i]!;
  const meanRef = sumRef / n;

  let sumErr2 = 0;
  let sumRef2 = 0;
  let sumApprox2 = 0;
  let dot = 0;
  let sumDev2 = 0; // two-pass variance: sum (ref - mean)^2
  let maxAbsErr = 0;
  for (let i = 0; i < n; i++) {
    const r = ref[i]!;
    const a = approx[i]!;
    const e = r - a;
    sumErr2 += e * e;
    sumRef2 += r * r;
    sumApprox2 += a * a;
    dot += r * a;
    const d = r - meanRef;
    sumDev2 += d * d;
    const absE = Math.abs(e);
    if (absE > maxAbsErr || Number.isNaN(absE)) maxAbsErr = Number.isNaN(maxAbsErr) ? maxAbsErr : absE;
  }

  const mse = sumErr2 / n;
  let cosine: number;
  if (sumRef2 === 0 && sumApprox2 === 0) cosine = 1;
  else if (sumRef2 === 0 || sumApprox2 === 0) cosine = 0;
  else cosine = dot / Math.sqrt(sumRef2 * sumApprox2);

  let sqnrDb: number;
  if (sumErr2 === 0) sqnrDb = Infinity;
  else if (sumRef2 === 0) sqnrDb = -Infinity;
  else sqnrDb = 10 * Math.log10(sumRef2 / sumErr2);

  return {
    mse,
    nmse: ratio(sumErr2, sumRef2),
    sqnrDb,
    maxAbsErr,
    cosine,
    relMse: ratio(mse, sumDev2 / n),
  };
}

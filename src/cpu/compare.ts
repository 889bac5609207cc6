/**
 * The matmul correctness contract (docs/KERNELS.md): every output within
 *   |y - y_ref| <= c * K * u * sum_k |x_k w_k|
 * of the f64 oracle, u = 2^-24 for f32 accumulation. A failure names the first offending element.
 */
import type { RefResult } from './matmul-ref.js';

/** Unit roundoff of f32 (2^-24). */
export const F32_UNIT_ROUNDOFF = 2 ** -24;

/** Outcome of a bound check. */
export interface BoundCheck {
  readonly ok: boolean;
  /** Worst |got - ref| / bound over all outputs (<= 1 passes). */
  readonly worstRatio: number;
  /** Largest absolute error seen. */
  readonly maxAbsErr: number;
  /** First offending output, when any. */
  readonly first?: { readonly row: number; readonly col: number; readonly got: number; readonly expected: number; readonly bound: number };
  /** A one-line description for reports and test failures. */
  readonly message: string;
}

/** Options of {@link checkMatmulBound}. */
export interface BoundOptions {
  /** The constant c of the bound (kernel-specific, documented with the kernel). */
  readonly c: number;
  /** Unit roundoff of the accumulation (default 2^-24). */
  readonly u?: number;
  /** An extra absolute allowance per output, e.g. the documented bound of int8-table LUT variants. */
  readonly extra?: Float64Array | ((index: number) => number);
}

/** Checks `got` (row-major [M, N]) against the oracle under the contract's bound (docs/KERNELS.md). */
export function checkMatmulBound(got: ArrayLike<number>, ref: RefResult, m: number, n: number, k: number, opts: BoundOptions): BoundCheck {
  if (got.length !== m * n) throw new Error(`bound check: got ${got.length} outputs, expected M*N = ${m}*${n}`);
  const u = opts.u ?? F32_UNIT_ROUNDOFF;
  let worst = 0;
  let maxAbsErr = 0;
  let first: BoundCheck['first'];
  for (let i = 0; i < m * n; i++) {
    const extra = opts.extra === undefined ? 0 : typeof opts.extra === 'function' ? opts.extra(i) : opts.extra[i];
    const bound = opts.c * k * u * ref.absSum[i] + extra;
    const err = Math.abs(got[i] - ref.y[i]);
    if (!(err <= bound) && !(err === 0)) {
      if (!first) first = { row: Math.floor(i / n), col: i % n, got: got[i], expected: ref.y[i], bound };
    }
    if (err > maxAbsErr || Number.isNaN(err)) maxAbsErr = Number.isNaN(err) ? NaN : err;
    const ratio = bound > 0 ? err / bound : err === 0 ? 0 : Infinity;
    if (ratio > worst || Number.isNaN(ratio)) worst = Number.isNaN(ratio) ? Infinity : ratio;
  }
  const ok = first === undefined;
  const message = ok
    ? `ok: worst error/bound ${worst.toExponential(2)}, max |err| ${maxAbsErr.toExponential(2)} (c=${opts.c}, K=${k})`
    : `mismatch at (row ${first!.row}, col ${first!.col}): got ${first!.got}, expected ${first!.expected}, ` +
      `|err| ${Math.abs(first!.got - first!.expected).toExponential(3)} > bound ${first!.bound.toExponential(3)} (c=${opts.c}, K=${k})`;
  return { ok, worstRatio: worst, maxAbsErr, first, message };
}

/**
 * The scale searches of llama.cpp's k-quant reference quantizers (ggml-quants.c):
 * make_qx_quants (Q6_K), make_q3_quants (Q3_K) and make_qkx2_quants (Q2_K, Q4_K, Q5_K), with
 * every f32 operation of the C code rounded in the same order (f32-emulation.ts). Only the
 * argument combinations the reference quantizers use are implemented.
 */
import { GROUP_MAX_EPS, f, nearestInt } from './f32-emulation.js';

/** 0.1f, the step of make_qx_quants' scale sweep. */
const TENTH = f(0.1);
/** make_qx_quants tries iscale = -(nmax + 0.1 is) / max for is = -9..9 (is != 0). */
const QX_SWEEP = 9;
/** make_q3_quants refines the levels at most this many times. */
const Q3_ITERATIONS = 5;

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/**
 * make_qx_quants(n, nmax, x, L, rmse_type = 1, qw = NULL): a symmetric scale for n weights at
 * x[off], levels L[lOff + i] in 0..2 nmax - 1 (level - nmax is the signed integer). Weights
 * w = x^2. Returns the scale (0 for an all-zero group).
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, off: number, L: Int32Array, lOff: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[off + i] as number);
    if (ax > amax) {
      amax = ax;
      max = x[off + i] as number;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lOff, lOff + n);
    return 0;
  }
  let iscale = f(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[off + i] as number;
    const l = clamp(nearestInt(f(iscale * xi)), -nmax, nmax - 1);
    L[lOff + i] = l + nmax;
    const w = f(xi * xi);
    sumlx = f(sumlx + f(f(w * xi) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  let scale = suml2 !== 0 ? f(sumlx / suml2) : 0;
  let best = f(scale * sumlx);
  for (let is = -QX_SWEEP; is <= QX_SWEEP; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(TENTH * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[off + i] as number;
      const l = clamp(nearestInt(f(iscale * xi)), -nmax, nmax - 1);
      const w = f(xi * xi);
      sumlx = f(sumlx + f(f(w * xi) * l));
      suml2 = f(suml2 + f(f(w * l) * l));
    }
    if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
      for (let i = 0; i < n; i++) L[lOff + i] = nmax + clamp(nearestInt(f(iscale * (x[off + i] as number))), -nmax, nmax - 1);
      scale = f(sumlx / suml2);
      best = f(scale * sumlx);
    }
  }
  return scale;
}

/**
 * make_q3_quants(n, nmax, x, L, do_rmse = true): levels L[lOff + i] in 0..2 nmax - 1 refined one
 * weight at a time (at most 5 passes) to maximize sumlx^2 / suml2 with weights x^2. Returns the
 * signed scale (0 for an all-zero group).
 */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, off: number, L: Int32Array, lOff: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[off + i] as number);
    if (ax > amax) {
      amax = ax;
      max = x[off + i] as number;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lOff, lOff + n);
    return 0;
  }
  const iscale = f(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[off + i] as number;
    const l = clamp(nearestInt(f(iscale * xi)), -nmax, nmax - 1);
    L[lOff + i] = l;
    const w = f(xi * xi);
    sumlx = f(sumlx + f(f(w * xi) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  for (let itry = 0; itry < Q3_ITERATIONS; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[off + i] as number;
      const w = f(xi * xi);
      const li = L[lOff + i] as number;
      let slx = f(sumlx - f(f(w * xi) * li));
      if (slx > 0) {
        let sl2 = f(suml2 - f(f(w * li) * li));
        const newL = clamp(nearestInt(f(f(xi * sl2) / slx)), -nmax, nmax - 1);
        if (newL !== li) {
          slx = f(slx + f(f(w * xi) * newL));
          sl2 = f(sl2 + f(f(w * newL) * newL));
          if (sl2 > 0 && f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2)) {
            L[lOff + i] = newL;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (changed === 0) break;
  }
  for (let i = 0; i < n; i++) L[lOff + i] = (L[lOff + i] as number) + nmax;
  return suml2 > 0 ? f(sumlx / suml2) : 0;
}

/** Options of {@link makeQkx2Quants}: the sweep rmin + rdelta * is (is = 0..nstep) and the error norm. */
export interface Qkx2Sweep {
  readonly rmin: number;
  readonly rdelta: number;
  readonly nstep: number;
  /** Absolute error (Q2_K) instead of squared error (Q4_K, Q5_K). */
  readonly useMad: boolean;
}

/** Result of {@link makeQkx2Quants}: scale and the (non-negative) min to subtract. */
export interface Qkx2Result {
  scale: number;
  min: number;
}

/**
 * make_qkx2_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, use_mad): an
 * affine fit w ~ scale * l - the_min with l in 0..nmax, by a sweep over candidate scales and
 * a weighted least-squares solve for each. Levels go to L[lOff + i]; `aux` is scratch of n.
 */
export function makeQkx2Quants(
  n: number, nmax: number, x: Float32Array, off: number, weights: Float32Array, L: Int32Array, lOff: number, aux: Int32Array, sweep: Qkx2Sweep, out: Qkx2Result,
): void {
  let min = x[off] as number;
  let max = x[off] as number;
  let sumW = weights[0] as number;
  let sumX = f(sumW * min);
  for (let i = 1; i < n; i++) {
    const xi = x[off + i] as number;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i] as number;
    sumW = f(sumW + w);
    sumX = f(sumX + f(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lOff, lOff + n);
    out.scale = 0;
    out.min = -min;
    return;
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  const mad = sweep.useMad;
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[off + i] as number;
    const l = clamp(nearestInt(f(iscale * f(xi - min))), 0, nmax);
    L[lOff + i] = l;
    let diff = f(f(f(scale * l) + min) - xi);
    diff = mad ? Math.abs(diff) : f(diff * diff);
    bestError = f(bestError + f((weights[i] as number) * diff));
  }
  // `min` is updated when a candidate wins, and later candidates use the updated one (as the
  // C code does): both max - min and x - min below read the current min.
  for (let is = 0; is <= sweep.nstep; is++) {
    iscale = f(f(f(sweep.rmin + f(sweep.rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[off + i] as number;
      const l = clamp(nearestInt(f(iscale * f(xi - min))), 0, nmax);
      aux[i] = l;
      const w = weights[i] as number;
      sumL = f(sumL + f(w * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
      sumXL = f(sumXL + f(f(w * l) * xi));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D > 0) {
      let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
      let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = f(f(f(thisScale * (aux[i] as number)) + thisMin) - (x[off + i] as number));
        diff = mad ? Math.abs(diff) : f(diff * diff);
        curError = f(curError + f((weights[i] as number) * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lOff + i] = aux[i] as number;
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  out.scale = scale;
  out.min = -min;
}

/**
 * Error-bound arithmetic shared by the CPU kernels (docs/KERNELS.md derives each kernel's bound).
 *
 * Every kernel evaluates sums of exact products (x * v, where v is a small integer or a decoded
 * f32 value; their f64 product is exact because 24 + 24 significant bits fit in 53) and rounds
 * each partial sum to f32. If every basic term passes through at most n f32 roundings, the
 * classic bound (Higham, Accuracy and Stability, section 3.1) is
 *
 *   |y - y_exact| <= gamma_n * sum_k |term_k|,   gamma_n = n u / (1 - n u),   u = 2^-24.
 *
 * docs/KERNELS.md writes the contract as |y - y_ref| <= c * K * u * sum_k |x_k w_k|, so a kernel whose
 * terms pass through n roundings, and whose terms sum in magnitude to at most kappa times
 * sum_k |x_k w_k| (kappa = 1 unless a decomposition has terms of both signs), gets
 *
 *   c = BOUND_SLACK * kappa * gamma_n / (K u).
 *
 * BOUND_SLACK covers the second-order pieces the first-order count leaves out: the oracle's own
 * f64 accumulation (K * 2^-53 relative), each f32 rounding being done as an f64 rounding followed
 * by an f32 one (u (1 + 2^-29) instead of u), and |w_exact| <= |w_f32| (1 + u)^2.
 */
import { F32_UNIT_ROUNDOFF } from './compare.js';

/** Safety factor on first-order bounds for the second-order terms listed above (1 %). */
export const BOUND_SLACK = 1.01;

/** gamma_n = n u / (1 - n u); Infinity once n u >= 1 (no bound). */
export function gamma(n: number, u: number = F32_UNIT_ROUNDOFF): number {
  const nu = n * u;
  return nu < 1 ? nu / (1 - nu) : Infinity;
}

/** The contract's constant c (docs/KERNELS.md) for a kernel whose terms pass through `roundings` f32 roundings. */
export function boundConstant(roundings: number, k: number, kappa = 1): number {
  return (BOUND_SLACK * kappa * gamma(roundings)) / (k * F32_UNIT_ROUNDOFF);
}

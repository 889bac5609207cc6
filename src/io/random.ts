// Seeded pseudo-random numbers for reproducible sample data and tests: mulberry32 and
// Box–Muller normals. Pure TS.

/** A source of uniform doubles in [0, 1). */
export type Rng = () => number;

const MULBERRY32_INCREMENT = 0x6d2b79f5;
const TWO_POW_32 = 2 ** 32;

/**
 * mulberry32 (Tommy Ettinger, 2017): a 32-bit-state generator, fast and good enough for test
 * data (not for cryptography). Returns uniform doubles in [0, 1) with 32 random bits each.
 * The same seed (taken modulo 2^32) always yields the same sequence.
 */
export function mulberry32(seed: number): Rng {
  let state = seed | 0;
  return () => {
    state = (state + MULBERRY32_INCREMENT) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}

/**
 * One standard normal sample by the Box–Muller transform, consuming two uniforms from `rng`.
 * (The sine half is discarded so the function keeps no state.)
 */
export function randn(rng: Rng): number {
  const u1 = 1 - rng(); // (0, 1]: log(0) cannot occur
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Fills `out` with normal samples of mean `mean` and standard deviation `std`; returns it. */
export function fillRandn<T extends Float32Array | Float64Array>(out: T, rng: Rng, std = 1, mean = 0): T {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * randn(rng);
  return out;
}

/** `n` seeded normal samples (mean 0, standard deviation `std`) as f32. */
export function seededRandn(n: number, seed: number, std = 1): Float32Array {
  return fillRandn(new Float32Array(n), mulberry32(seed), std);
}

/**
 * A chi-squared sample with `nu` (integer >= 1) degrees of freedom. chi2(2m) = 2 Gamma(m, 1) =
 * -2 ln(u_1 ... u_m) for uniforms u_i in (0, 1]; an odd `nu` adds one squared normal.
 */
export function randChiSquared(rng: Rng, nu: number): number {
  let logProd = 0;
  for (let i = 0; i < nu >> 1; i++) logProd += Math.log(1 - rng());
  let chi2 = -2 * logProd;
  if (nu & 1) chi2 += randn(rng) ** 2;
  return chi2;
}

/** A standard Student-t sample with `nu` (integer >= 1) degrees of freedom: z / sqrt(chi2_nu / nu). */
export function randStudentT(rng: Rng, nu: number): number {
  return randn(rng) / Math.sqrt(randChiSquared(rng, nu) / nu);
}

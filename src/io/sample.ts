// The embedded sample: deterministic synthetic weights and activations with LLM-like statistics
// (std ~0.02 bulk, per-row scale spread, Student-t tails, a few outlier input channels). Pure TS.

import { mulberry32, randn, randStudentT, type Rng } from './random.js';

/** A synthetic matrix [rows, cols] in row-major order. */
export interface SampleMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
  /** A name for reports and file names, e.g. `sample-weights-256x1024-seed1`. */
  name: string;
  /** The outlier columns (input channels), ascending. */
  outlierCols: number[];
}

/** Options for `sampleWeights`. */
export interface SampleWeightsOptions {
  /** N, output channels (default 256). */
  rows?: number;
  /** K, input channels (default 1024). */
  cols?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

const DEFAULT_ROWS = 256;
const DEFAULT_COLS = 1024;
const DEFAULT_SEED = 1;

/** Bulk standard deviation of the weights, typical of LLM linear layers (e.g. Llama q/k/v). */
const WEIGHT_STD = 0.02;
/** Per-row scale is lognormal: exp(sigma * z - sigma^2), so that E[scale^2] = 1. */
const WEIGHT_ROW_SIGMA = 0.3;
const ACT_ROW_SIGMA = 0.5;
/**
 * Student-t degrees of freedom for the element distribution: Gaussian-looking bulk, kurtosis
 * 3 + 6 / (nu - 4) = 6 before the row and column effects.
 */
const T_NU = 6;
/** Var(t_nu) = nu / (nu - 2); multiply by sqrt((nu - 2) / nu) for unit variance. */
const T_UNIT_SCALE = Math.sqrt((T_NU - 2) / T_NU);
/** One outlier channel per this many columns (at least one once cols >= MIN_COLS_FOR_OUTLIERS). */
const COLS_PER_OUTLIER = 200;
const MIN_COLS_FOR_OUTLIERS = 16;
/** Outlier channels are scaled by a factor drawn uniformly from this range. */
const OUTLIER_MIN_GAIN = 10;
const OUTLIER_MAX_GAIN = 50;

/** XORed into the seed so activations and weights with the same seed use different streams. */
const ACTIVATION_STREAM = 0x5eedac75;

function checkDim(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`sample: ${what} must be a positive integer, got ${n}`);
}

function lognormalScale(rng: Rng, sigma: number): number {
  return Math.exp(sigma * randn(rng) - sigma * sigma);
}

/** Picks distinct outlier columns and their gains, deterministically from `rng`. */
function pickOutliers(rng: Rng, cols: number): { outlierCols: number[]; gains: Float64Array } {
  const count = cols < MIN_COLS_FOR_OUTLIERS ? 0 : Math.max(1, Math.round(cols / COLS_PER_OUTLIER));
  // Partial Fisher–Yates shuffle of 0..cols-1: the first `count` entries are a random subset.
  const perm = Array.from({ length: cols }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (cols - i));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const outlierCols = perm.slice(0, count).sort((a, b) => a - b);
  const gains = new Float64Array(cols).fill(1);
  for (const c of outlierCols) gains[c] = OUTLIER_MIN_GAIN + (OUTLIER_MAX_GAIN - OUTLIER_MIN_GAIN) * rng();
  return { outlierCols, gains };
}

/**
 * A deterministic synthetic weight matrix W[N, K] (rows = output channels, cols = input
 * channels) with LLM-like statistics: w[n, k] = 0.02 * rowScale[n] * colGain[k] * t, where t is
 * unit-variance Student-t (nu = 6), rowScale is lognormal (sigma 0.3, E[rowScale^2] = 1), and
 * colGain is 1 except on about K / 200 outlier input channels where it is 10..50.
 * Default shape [256, 1024], seed 1. The same options always give the same bytes.
 */
export function sampleWeights(opts: SampleWeightsOptions = {}): SampleMatrix {
  const rows = opts.rows ?? DEFAULT_ROWS;
  const cols = opts.cols ?? DEFAULT_COLS;
  const seed = opts.seed ?? DEFAULT_SEED;
  checkDim('rows', rows);
  checkDim('cols', cols);
  const rng = mulberry32(seed);
  const { outlierCols, gains } = pickOutliers(rng, cols);
  const data = new Float32Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    const rowStd = WEIGHT_STD * lognormalScale(rng, WEIGHT_ROW_SIGMA);
    for (let k = 0; k < cols; k++) {
      data[n * cols + k] = rowStd * gains[k]! * T_UNIT_SCALE * randStudentT(rng, T_NU);
    }
  }
  return { data, rows, cols, name: `sample-weights-${rows}x${cols}-seed${seed}`, outlierCols };
}

/**
 * Deterministic synthetic activations X[M, K] for matmul inputs: unit-variance Gaussian bulk,
 * a lognormal per-token (row) scale (sigma 0.5) and about K / 200 outlier channels (columns)
 * scaled 10..50x for every token, as observed in LLM activations (LLM.int8(), SmoothQuant).
 */
export function sampleActivations(m: number, k: number, seed = DEFAULT_SEED): SampleMatrix {
  checkDim('m', m);
  checkDim('k', k);
  const rng = mulberry32(seed ^ ACTIVATION_STREAM);
  const { outlierCols, gains } = pickOutliers(rng, k);
  const data = new Float32Array(m * k);
  for (let r = 0; r < m; r++) {
    const rowStd = lognormalScale(rng, ACT_ROW_SIGMA);
    for (let c = 0; c < k; c++) data[r * k + c] = rowStd * gains[c]! * randn(rng);
  }
  return { data, rows: m, cols: k, name: `sample-activations-${m}x${k}-seed${seed}`, outlierCols };
}

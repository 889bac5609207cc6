// Seeded weights for the ggml reference comparisons: ties, outliers, zero/constant blocks, tiny and large values.
//
// Every value comes from integer arithmetic (mulberry32 uniforms are k / 2^32) and products with
// powers of two, so the data are the same on every JavaScript engine. The reference fixtures
// (reference-fixtures.ts) were produced by llama.cpp's quantizers from exactly these weights.
import { mulberry32, type Rng } from '../../src/io/random.js';

/** Weights per pattern block: the legacy block size; 8 of them make a k-quant super-block. */
const BLOCK = 32;

/** An approximately normal value with unit variance (Irwin-Hall of 4 uniforms, times sqrt(3) ~ 1.75). */
function gauss(rng: Rng): number {
  return (rng() + rng() + rng() + rng() - 2) * 1.75;
}

/** A uniform integer in [lo, hi]. */
function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/**
 * Fills one block of 32 weights by pattern `kind` (the row number mod 16):
 * 0 LLM-like N(0, 0.02^2); 1 the same with one outlier x40 per block; 2 Q4_0 ties: half-integers
 * k + 0.5 with a -8 so d = 1 (x id + 8.5 lands on integers), times 2^-e; 3 small integers times
 * 2^-4 (equal errors in the scale searches); 4 +a and -a both at the absmax; 5 cycling all-zero,
 * constant, single non-zero, two-valued and random blocks; 6 tiny values (1e-30, and f32
 * subnormals); 7 large values (x1000); 8 heavy tails (ratio of uniforms, |x| < 3e4); 9 positive
 * only; 10 negative only; 11 Q4_1 ties: 0..15 in steps of 0.5 with 0 and 15 present; 12 ternary
 * ties: +-0.5, +-0.25, +-1, 0; 13 Q8_0 ties: k + 0.5 with |max| 127; 14 one sub-block of 16 a
 * hundred times larger than the rest; 15 N(0, 1) with repeated values.
 */
function fillBlock(kind: number, rng: Rng, out: Float32Array, off: number, blockIndex: number): void {
  const set = (j: number, v: number) => {
    out[off + j] = v;
  };
  switch (kind) {
    case 0:
      for (let j = 0; j < BLOCK; j++) set(j, gauss(rng) * 0.02);
      break;
    case 1: {
      for (let j = 0; j < BLOCK; j++) set(j, gauss(rng) * 0.02);
      const j = int(rng, 0, BLOCK - 1);
      set(j, (out[off + j] as number) * 40 + (rng() < 0.5 ? -0.5 : 0.5));
      break;
    }
    case 2: {
      const e = 2 ** -int(rng, 0, 6);
      for (let j = 0; j < BLOCK; j++) set(j, (int(rng, -8, 7) + 0.5) * e);
      set(int(rng, 0, BLOCK - 1), -8 * e);
      break;
    }
    case 3:
      for (let j = 0; j < BLOCK; j++) set(j, int(rng, -8, 8) / 16);
      break;
    case 4: {
      const a = 0.5 + rng();
      for (let j = 0; j < BLOCK; j++) set(j, (rng() - 0.5) * a);
      set(int(rng, 0, 15), -a);
      set(int(rng, 16, BLOCK - 1), a);
      if (blockIndex % 2 === 1) {
        // The positive one first in this block.
        out[off] = a;
        out[off + BLOCK - 1] = -a;
      }
      break;
    }
    case 5: {
      const c = (int(rng, 1, 100) - 50) / 64;
      for (let j = 0; j < BLOCK; j++) {
        switch (blockIndex % 5) {
          case 0:
            set(j, 0);
            break;
          case 1:
            set(j, c);
            break;
          case 2:
            set(j, j === 7 ? c : 0);
            break;
          case 3:
            set(j, j % 3 === 0 ? c : -c / 2);
            break;
          default:
            set(j, gauss(rng));
        }
      }
      break;
    }
    case 6:
      for (let j = 0; j < BLOCK; j++) set(j, gauss(rng) * (blockIndex % 2 === 0 ? 1e-30 : 2 ** -135));
      break;
    case 7:
      for (let j = 0; j < BLOCK; j++) set(j, gauss(rng) * 1000);
      break;
    case 8:
      for (let j = 0; j < BLOCK; j++) {
        const v = (rng() - 0.5) / (rng() + 0.001);
        set(j, Math.max(-3e4, Math.min(3e4, v)));
      }
      break;
    case 9:
      for (let j = 0; j < BLOCK; j++) set(j, Math.abs(gauss(rng)) * 0.05 + 0.01);
      break;
    case 10:
      for (let j = 0; j < BLOCK; j++) set(j, -Math.abs(gauss(rng)) * 0.05 - 0.01);
      break;
    case 11:
      for (let j = 0; j < BLOCK; j++) set(j, int(rng, 0, 30) / 2);
      set(0, 0);
      set(BLOCK - 1, 15);
      break;
    case 12: {
      const levels = [-1, -0.5, -0.25, 0, 0.25, 0.5, 1];
      for (let j = 0; j < BLOCK; j++) set(j, levels[int(rng, 0, levels.length - 1)] as number);
      set(int(rng, 0, BLOCK - 1), 1);
      break;
    }
    case 13:
      for (let j = 0; j < BLOCK; j++) set(j, int(rng, -127, 126) + 0.5);
      set(int(rng, 0, BLOCK - 1), rng() < 0.5 ? 127 : -127);
      break;
    case 14: {
      const big = blockIndex % 4 === 1;
      for (let j = 0; j < BLOCK; j++) set(j, gauss(rng) * (big && j < 16 ? 2 : 0.02));
      break;
    }
    default: {
      const pool = [gauss(rng), gauss(rng), gauss(rng), gauss(rng)];
      for (let j = 0; j < BLOCK; j++) set(j, rng() < 0.5 ? (pool[j % 4] as number) : gauss(rng));
    }
  }
}

/** Number of row patterns (rows cycle through them). */
export const REFERENCE_PATTERNS = 16;

/**
 * W[rows, cols] (cols a multiple of 32) filled block by block with pattern (row mod 16), from
 * one mulberry32 stream seeded with `seed`. Values are rounded to f32.
 */
export function referenceWeights(rows: number, cols: number, seed: number): Float32Array {
  if (cols % BLOCK !== 0) throw new RangeError(`referenceWeights: cols must be a multiple of ${BLOCK}, got ${cols}`);
  const rng = mulberry32(seed);
  const w = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < cols / BLOCK; b++) fillBlock(r % REFERENCE_PATTERNS, rng, w, r * cols + b * BLOCK, b);
  }
  return w;
}

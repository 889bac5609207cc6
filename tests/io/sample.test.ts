// Seeded PRNG and the embedded sample: determinism, and the promised LLM-like statistics.
import { describe, expect, it } from 'vitest';
import { fillRandn, mulberry32, randChiSquared, randn, randStudentT, seededRandn } from '../../src/io/random.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';

/** mulberry32 as published in bryc's "PRNGs" collection (github.com/bryc/code, jshash/PRNGs.md). */
function mulberry32Reference(a: number): () => number {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Byte-for-byte equality (a plain loop: deep-equality on megabyte arrays is slow). */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

interface Moments {
  mean: number;
  std: number;
  kurtosis: number;
}

/** Mean, population std and (non-excess) kurtosis E[(x-mu)^4] / sigma^4, in f64. */
function moments(values: ArrayLike<number>): Moments {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const mean = s / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  return { mean, std: Math.sqrt(m2), kurtosis: m4 / (m2 * m2) };
}

/** Root mean square of each column of a row-major [rows, cols] matrix. */
function columnRms(data: Float32Array, rows: number, cols: number): Float64Array {
  const rms = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) rms[c] += data[r * cols + c]! ** 2;
  return rms.map((v) => Math.sqrt(v / rows));
}

function median(values: ArrayLike<number>): number {
  const s = Array.from(values).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('random', () => {
  it('mulberry32 matches the published reference implementation', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, -7]) {
      const ours = mulberry32(seed);
      const ref = mulberry32Reference(seed);
      const a = Array.from({ length: 1000 }, ours);
      const b = Array.from({ length: 1000 }, ref);
      expect(a).toEqual(b);
    }
  });

  it('mulberry32 yields uniforms in [0, 1) with mean ~1/2', () => {
    const rng = mulberry32(5);
    let sum = 0;
    let inRange = true;
    for (let i = 0; i < 100_000; i++) {
      const u = rng();
      inRange &&= u >= 0 && u < 1;
      sum += u;
    }
    expect(inRange).toBe(true);
    // Standard error of the mean: sqrt(1/12 / 1e5) ~ 0.0009.
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });

  it('randn is standard normal: mean ~0, std ~1, kurtosis ~3', () => {
    const rng = mulberry32(11);
    const xs = Array.from({ length: 100_000 }, () => randn(rng));
    const m = moments(xs);
    expect(Math.abs(m.mean)).toBeLessThan(0.01);
    expect(Math.abs(m.std - 1)).toBeLessThan(0.01);
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(0.1);
  });

  it('randChiSquared has mean nu and variance 2 nu; randStudentT has variance nu / (nu - 2)', () => {
    const rng = mulberry32(12);
    for (const nu of [1, 4, 5, 6]) {
      const m = moments(Array.from({ length: 50_000 }, () => randChiSquared(rng, nu)));
      expect(Math.abs(m.mean - nu) / nu).toBeLessThan(0.02);
      expect(Math.abs(m.std ** 2 - 2 * nu) / (2 * nu)).toBeLessThan(0.05);
    }
    const t = moments(Array.from({ length: 100_000 }, () => randStudentT(rng, 6)));
    expect(Math.abs(t.mean)).toBeLessThan(0.02);
    expect(Math.abs(t.std ** 2 - 1.5) / 1.5).toBeLessThan(0.05);
    // Kurtosis of t_6 is 3 + 6 / (6 - 4) = 6; its sample estimate converges slowly, so a loose check.
    expect(t.kurtosis).toBeGreaterThan(4.5);
  });

  it('seededRandn / fillRandn are deterministic and scale by std', () => {
    expect(sameBytes(seededRandn(64, 3), seededRandn(64, 3))).toBe(true);
    expect(sameBytes(seededRandn(64, 3), seededRandn(64, 4))).toBe(false);
    const a = fillRandn(new Float64Array(8), mulberry32(3), 2, 10);
    const b = fillRandn(new Float64Array(8), mulberry32(3));
    a.forEach((v, i) => expect(v).toBeCloseTo(10 + 2 * b[i]!, 12));
  });
});

describe('sampleWeights', () => {
  const w = sampleWeights();

  it('defaults to [256, 1024] with a descriptive name', () => {
    expect(w.rows).toBe(256);
    expect(w.cols).toBe(1024);
    expect(w.data.length).toBe(256 * 1024);
    expect(w.name).toBe('sample-weights-256x1024-seed1');
  });

  it('is deterministic: same seed gives identical bytes, a different seed different ones', () => {
    expect(sameBytes(sampleWeights().data, w.data)).toBe(true);
    expect(sameBytes(sampleWeights({ seed: 2 }).data, w.data)).toBe(false);
    const small = sampleWeights({ rows: 3, cols: 40, seed: 9 });
    const again = sampleWeights({ rows: 3, cols: 40, seed: 9 });
    expect(sameBytes(small.data, again.data)).toBe(true);
    expect(small.outlierCols).toEqual(again.outlierCols);
  });

  it('all values are finite', () => {
    expect(w.data.every(Number.isFinite)).toBe(true);
  });

  it('bulk (non-outlier columns): mean ~0, std ~0.02, heavy tails (kurtosis > 3)', () => {
    const outliers = new Set(w.outlierCols);
    const bulk: number[] = [];
    for (let i = 0; i < w.data.length; i++) if (!outliers.has(i % w.cols)) bulk.push(w.data[i]!);
    const m = moments(bulk);
    expect(Math.abs(m.mean)).toBeLessThan(0.001);
    expect(m.std).toBeGreaterThan(0.015);
    expect(m.std).toBeLessThan(0.025);
    expect(m.kurtosis).toBeGreaterThan(3.5);
    // Whole matrix, outlier channels included: much heavier tails still.
    expect(moments(w.data).kurtosis).toBeGreaterThan(m.kurtosis);
  });

  it('has a handful of outlier input channels (columns) at 10-50x the typical column RMS', () => {
    expect(w.outlierCols.length).toBeGreaterThanOrEqual(3);
    expect(w.outlierCols.length).toBeLessThanOrEqual(8);
    expect(w.outlierCols).toEqual([...w.outlierCols].sort((a, b) => a - b));
    const rms = columnRms(w.data, w.rows, w.cols);
    const typical = median(rms);
    for (const c of w.outlierCols) {
      // Gains are drawn from [10, 50]; allow sampling noise over 256 rows.
      expect(rms[c]! / typical).toBeGreaterThan(8);
      expect(rms[c]! / typical).toBeLessThan(60);
    }
    const outliers = new Set(w.outlierCols);
    let maxBulkRatio = 0;
    for (let c = 0; c < w.cols; c++) if (!outliers.has(c)) maxBulkRatio = Math.max(maxBulkRatio, rms[c]! / typical);
    expect(maxBulkRatio).toBeLessThan(2);
  });

  it('has per-row scale variation (output channels differ in RMS)', () => {
    const outliers = new Set(w.outlierCols);
    const rowRms: number[] = [];
    for (let r = 0; r < w.rows; r++) {
      let s = 0;
      let n = 0;
      for (let c = 0; c < w.cols; c++) {
        if (outliers.has(c)) continue;
        s += w.data[r * w.cols + c]! ** 2;
        n++;
      }
      rowRms.push(Math.sqrt(s / n));
    }
    // Lognormal sigma 0.3: the spread of row RMS is far above the ~3% sampling noise of 1000 draws.
    expect(Math.max(...rowRms) / Math.min(...rowRms)).toBeGreaterThan(2);
  });

  it('honours rows/cols, tiny shapes have no outliers, bad sizes are rejected', () => {
    const s = sampleWeights({ rows: 1, cols: 8 });
    expect(s.data.length).toBe(8);
    expect(s.outlierCols).toEqual([]);
    expect(sampleWeights({ rows: 2, cols: 4096 }).outlierCols.length).toBeGreaterThan(10);
    expect(() => sampleWeights({ rows: 0 })).toThrow(/rows must be a positive integer, got 0/);
    expect(() => sampleWeights({ cols: 2.5 })).toThrow(/cols must be a positive integer, got 2.5/);
  });
});

describe('sampleActivations', () => {
  it('is deterministic, differs by seed and from the weights stream', () => {
    const a = sampleActivations(4, 256, 7);
    expect(sameBytes(sampleActivations(4, 256, 7).data, a.data)).toBe(true);
    expect(sameBytes(sampleActivations(4, 256, 8).data, a.data)).toBe(false);
    expect(sameBytes(sampleWeights({ rows: 4, cols: 256, seed: 7 }).data, a.data)).toBe(false);
    expect(a.name).toBe('sample-activations-4x256-seed7');
    expect(a.rows).toBe(4);
    expect(a.cols).toBe(256);
  });

  it('has unit-scale bulk and outlier channels that are large for every token', () => {
    const x = sampleActivations(64, 1024, 3);
    expect(x.outlierCols.length).toBeGreaterThanOrEqual(3);
    const rms = columnRms(x.data, x.rows, x.cols);
    const typical = median(rms);
    expect(typical).toBeGreaterThan(0.5);
    expect(typical).toBeLessThan(2);
    for (const c of x.outlierCols) expect(rms[c]! / typical).toBeGreaterThan(8);
  });

  it('supports M = 1 and rejects bad sizes', () => {
    expect(sampleActivations(1, 33, 1).data.length).toBe(33);
    expect(() => sampleActivations(0, 4, 1)).toThrow(/m must be a positive integer/);
  });
});

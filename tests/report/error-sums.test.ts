// Block-wise error sums equal errorMetrics on the full dequantized tensor, bit for bit, for every scheme; row slices dequantize like the whole.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { metricsFromSums, referenceSums, sliceRows, tensorErrorSums, ERROR_BLOCK_ELEMENTS } from '../../src/report/error-sums.js';
import { dequantize, quantize } from '../../src/quant/quantize.js';
import { errorMetrics } from '../../src/quant/metrics.js';
import { GGML_SCHEME_NAMES, SCHEME_NAMES, getScheme } from '../../src/quant/schemes.js';
import { seededRandn } from '../../src/io/random.js';

describe('tensorErrorSums', () => {
  it('gives errorMetrics(w, dequantize(qt)) exactly for every scheme, with blocks that split the rows unevenly', () => {
    // 70 rows x 1024 cols: 64 rows per 64 Ki block, so blocks of 64 and 6 rows.
    const rows = 70;
    const cols = 1024;
    expect(rows * cols).toBeGreaterThan(ERROR_BLOCK_ELEMENTS);
    const w = seededRandn(rows * cols, 17);
    w[5] = 40; // an outlier
    for (const s of SCHEME_NAMES) {
      const qt = quantize(w, rows, cols, s);
      const expected = errorMetrics(w, dequantize(qt));
      const refSums = referenceSums(w);
      expect(metricsFromSums(tensorErrorSums(w, qt, refSums), refSums), `${s} (fast path)`).toEqual(expected);
      let blocks = 0;
      const sums = tensorErrorSums(w, qt, refSums, () => blocks++);
      expect(metricsFromSums(sums, refSums), `${s} (block path)`).toEqual(expected);
      expect(blocks).toBe(Math.ceil(rows / Math.floor(ERROR_BLOCK_ELEMENTS / cols)));
      expect(getScheme(s).name).toBe(s);
    }
  });

  it('takes every decode route: whole words, codes inside words, straddling codes, per-element wide codes, zero points, tensor scales', () => {
    // [scheme, rows, cols, group]: int4 g8 and channel with K = 24 read whole words; g4 and K = 20
    // leave groups that do not start on a word; int3 codes straddle words; int8 is computed per
    // element; asym schemes carry zero points; nvfp4 a tensor scale.
    const cases: [AnySchemeName, number, number, number | undefined][] = [
      ['int4', 5, 24, 8], ['int4', 5, 24, 4], ['int4', 5, 24, 0], ['int4', 3, 20, 0], ['int4', 3, 20, -1],
      ['int3', 4, 40, 8], ['int3_asym', 4, 40, 0], ['int2_asym', 3, 48, 16], ['ternary', 3, 40, undefined],
      ['int8', 3, 64, 16], ['int8_asym', 2, 64, 0], ['nvfp4', 3, 64, undefined], ['bitmod3', 2, 256, 128], ['binary', 3, 40, undefined],
    ];
    for (const [s, rows, cols, group] of cases) {
      const w = seededRandn(rows * cols, rows * 31 + cols);
      w[1] = 0;
      w[2] = -w[3]!;
      const qt = quantize(w, rows, cols, s, group === undefined ? {} : { group });
      const refSums = referenceSums(w);
      expect(metricsFromSums(tensorErrorSums(w, qt, refSums), refSums), `${s} ${rows}x${cols} g${group}`).toEqual(errorMetrics(w, dequantize(qt)));
    }
  });

  it('decodes every ggml scheme (offsets, k-quant sub-blocks) exactly as dequantize does', () => {
    const rows = 4;
    const cols = 512;
    const w = seededRandn(rows * cols, 21);
    w[9] = 6;
    for (const s of GGML_SCHEME_NAMES) {
      const qt = quantize(w, rows, cols, s);
      const refSums = referenceSums(w);
      expect(metricsFromSums(tensorErrorSums(w, qt, refSums), refSums), s).toEqual(errorMetrics(w, dequantize(qt)));
    }
    expect(GGML_SCHEME_NAMES.length).toBeGreaterThan(10);
  });

  it('row slices share the arrays and dequantize to the same rows (channel and tensor granularity too)', () => {
    const rows = 6;
    const cols = 64;
    const w = seededRandn(rows * cols, 3);
    for (const [s, group] of [['int4', 32], ['int3_asym', 0], ['bitmod4', 64], ['int8', -1], ['nvfp4', undefined]] as const) {
      const qt = quantize(w, rows, cols, s, group === undefined ? {} : { group });
      const full = dequantize(qt);
      const part = dequantize(sliceRows(qt, 2, 5));
      expect(Array.from(part), s).toEqual(Array.from(full.subarray(2 * cols, 5 * cols)));
    }
  });

  it('handles a single wide row (blocks of one row) and an all-zero tensor', () => {
    const cols = ERROR_BLOCK_ELEMENTS * 2;
    const w = seededRandn(cols, 4);
    const qt = quantize(w, 1, cols, 'int4');
    expect(metricsFromSums(tensorErrorSums(w, qt, referenceSums(w)), referenceSums(w))).toEqual(errorMetrics(w, dequantize(qt)));
    const z = new Float32Array(256);
    const qz = quantize(z, 2, 128, 'int4');
    expect(metricsFromSums(tensorErrorSums(z, qz, referenceSums(z)), referenceSums(z))).toEqual(errorMetrics(z, dequantize(qz)));
  });
});

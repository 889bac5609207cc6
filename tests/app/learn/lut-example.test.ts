// The Learn page's LUT walkthrough: its y equals the lut-f32 kernel bit for bit, and its tables and indices are the library's.
import { describe, expect, it } from 'vitest';
import { LUT_GROUP, LUT_ENTRIES, matmulLutF32 } from '../../../src/cpu/lut.js';
import { dequantize } from '../../../src/quant/quantize.js';
import { LUT_K, LUT_N, LUT_SCHEMES, LUT_X, lutExample } from '../../../src/app/learn/lut-example.js';

describe('lutExample', () => {
  it('offers the integer, ternary and binary schemes', () => {
    expect(LUT_SCHEMES).toEqual(['int2', 'int3', 'int4', 'ternary', 'binary', 'int2_asym', 'int4_asym']);
  });

  it.for(LUT_SCHEMES)('%s: walkthrough y = lut-f32 kernel y (bit-exact), near the oracle', (scheme) => {
    const ex = lutExample(scheme);
    const y = matmulLutF32(LUT_X, 1, ex.qt);
    for (const r of ex.rows) {
      expect(r.y, `row ${r.row}`).toBe(y[r.row]);
      expect(r.kernel).toBe(y[r.row]);
      expect(Math.abs(r.y - r.oracle)).toBeLessThan(1e-5 * (1 + Math.abs(r.oracle)));
    }
  });

  it.for(LUT_SCHEMES)('%s: every weight equals Σ a_i s_i + c0 over its planes (times the scale)', (scheme) => {
    const ex = lutExample(scheme);
    const deq = dequantize(ex.qt);
    for (let r = 0; r < LUT_N; r++) {
      const c0 = ex.qt.zeros ? ex.c0Base - (ex.qt.zeros[r] as number) : ex.c0Base;
      for (let k = 0; k < LUT_K; k++) {
        let v = c0;
        for (let i = 0; i < ex.bits; i++) v += (ex.a[i] as number) * (2 * ex.planeBit(r, i, k) - 1);
        expect(Math.fround(v * (ex.qt.scales[r] as number)), `(${r}, ${k})`).toBe(deq[r * LUT_K + k]);
        // Index bit j of 4-group t is the plane bit of weight k = 4t + j.
        const t = Math.floor(k / LUT_GROUP);
        for (let i = 0; i < ex.bits; i++) expect((ex.index(r, i, t) >>> (k % LUT_GROUP)) & 1).toBe(ex.planeBit(r, i, k));
      }
    }
  });

  it('tables hold Σ ±x with T[15 − idx] = −T[idx]', () => {
    const ex = lutExample('int3');
    for (let t = 0; t < LUT_K / LUT_GROUP; t++) {
      for (let idx = 0; idx < LUT_ENTRIES; idx++) {
        let s = 0;
        for (let j = 0; j < LUT_GROUP; j++) s += ((idx >>> j) & 1 ? 1 : -1) * (LUT_X[LUT_GROUP * t + j] as number);
        expect(ex.tables[t * LUT_ENTRIES + idx]).toBe(Math.fround(s));
        expect(ex.tables[t * LUT_ENTRIES + (LUT_ENTRIES - 1 - idx)]).toBe(-(ex.tables[t * LUT_ENTRIES + idx] as number));
      }
    }
  });
});

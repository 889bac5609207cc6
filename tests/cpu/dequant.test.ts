// The dequant kernel against the f64 oracle for every scheme and shape, under the DESIGN.md bound.
import { describe, expect, it } from 'vitest';
import { matmulDequant, dequantBoundC, DEQUANT_C, dequantRoundings } from '../../src/cpu/dequant.js';
import { boundConstant } from '../../src/cpu/bound.js';
import { quantize } from '../../src/quant/quantize.js';
import { SCHEME_NAMES, SHAPES, applies, expectBound, makeCase } from './helpers.js';

describe('dequant kernel', () => {
  for (const scheme of SCHEME_NAMES) {
    it(`${scheme}: every shape within c*K*u*sum|xw|`, () => {
      let ran = 0;
      for (const shape of SHAPES) {
        if (!applies(scheme, shape)) continue;
        const c = makeCase(scheme, shape);
        const y = matmulDequant(c.x, shape.m, c.qt);
        expectBound(y, c, { c: dequantBoundC(c.qt) });
        ran++;
      }
      expect(ran).toBeGreaterThan(0);
    });
  }

  it('writes into a given output array and rejects wrong lengths', () => {
    const c = makeCase('int4', SHAPES[0]);
    const out = new Float32Array(SHAPES[0].m * SHAPES[0].n);
    expect(matmulDequant(c.x, 1, c.qt, out)).toBe(out);
    expect(() => matmulDequant(c.x.subarray(1), 1, c.qt)).toThrow(/X has 95 elements, expected M\*K = 1\*96/);
    expect(() => matmulDequant(c.x, 1, c.qt, new Float32Array(3))).toThrow(/out has 3 elements, expected M\*N/);
    expect(() => matmulDequant(c.x, 0, c.qt)).toThrow(/M must be a positive integer/);
  });

  it('the general constant covers every group layout once K >= 8', () => {
    for (const k of [8, 12, 96, 4096]) {
      for (const g of [1, 2, 4, k]) {
        if (k % g !== 0) continue;
        const qt = quantize(new Float32Array(k).fill(0.5), 1, k, 'int8', { group: g });
        expect(dequantRoundings(qt)).toBe(g + k / g + 2);
        expect(dequantBoundC(qt)).toBeLessThanOrEqual(DEQUANT_C);
      }
    }
    // A tensor scale (NVFP4) adds two roundings.
    const nv = quantize(new Float32Array(32).fill(0.5), 1, 32, 'nvfp4');
    expect(dequantBoundC(nv)).toBeCloseTo(boundConstant(16 + 2 + 2 + 2, 32), 12);
  });
});

// lut-f32 and lut-i8 (T-MAC / LUT Tensor Core) against the f64 oracle: symmetrized tables, bounds, and unsupported schemes.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import {
  buildLutF32, lutBoundC, lutF32ErrorBound, lutI8ErrorBound, lutI8Scales, lutSchemes, lutSupport, lutValueSchemes,
  matmulLutF32, matmulLutI8, quantizeLutI8, LUT_ENTRIES,
} from '../../src/cpu/lut.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import { matmulRef } from '../../src/cpu/matmul-ref.js';
import { dequantize, quantize } from '../../src/quant/quantize.js';
import { getScheme } from '../../src/quant/schemes.js';
import { lutValueView } from '../../src/cpu/lut-values.js';
import { seededRandn } from '../../src/io/random.js';
import { SCHEME_NAMES, SHAPES, applies, expectBound, makeCase } from './helpers.js';

const LUT_SCHEMES: readonly AnySchemeName[] = ['int2', 'int3', 'int4', 'int2_asym', 'int3_asym', 'int4_asym', 'ternary', 'binary'];
/** The schemes the CPU lut kernels take through value planes (values small integers of one unit, <= 5 planes). */
const VALUE_SCHEMES: readonly AnySchemeName[] = [
  'fp3', 'fp4', 'fp4_er_pos', 'fp4_er_neg', 'fp4_ea_pos', 'fp4_ea_neg', 'fp3_er_pos', 'fp3_er_neg', 'fp3_ea_pos', 'fp3_ea_neg',
  'bitmod4', 'bitmod3', 'ant3', 'mxfp4', 'nvfp4',
];

describe('lut tables', () => {
  it('symmetrized tables equal the directly computed 16-entry tables, bit for bit', () => {
    const x = seededRandn(4 * 64, 5);
    x[7] = 1e4; // an outlier
    const T = new Float32Array(LUT_ENTRIES);
    const f = Math.fround;
    for (let t = 0; t < 64; t++) {
      buildLutF32(x, 4 * t, 4, T, 0);
      for (let idx = 0; idx < LUT_ENTRIES; idx++) {
        const s = (j: number) => ((idx >> j) & 1 ? 1 : -1) * x[4 * t + j];
        // Direct: the same pairing, each of the 16 entries on its own.
        expect(T[idx]).toBe(f(f(s(0) + s(1)) + f(s(2) + s(3))));
        // And within 2 f32 roundings of the exact signed sum.
        const exact = s(0) + s(1) + s(2) + s(3);
        const mag = Math.abs(x[4 * t]) + Math.abs(x[4 * t + 1]) + Math.abs(x[4 * t + 2]) + Math.abs(x[4 * t + 3]);
        expect(Math.abs(T[idx] - exact)).toBeLessThanOrEqual(2.01 * 2 ** -24 * mag);
      }
    }
  });

  it('int8 tables: per-block scale max(sum|x|)/127, round to nearest, symmetric', () => {
    const x = seededRandn(128, 9);
    const ls = lutI8Scales(x, 0, 128, 64);
    expect(ls.length).toBe(2);
    for (let b = 0; b < 2; b++) {
      let mx = 0;
      for (let t = 16 * b; t < 16 * (b + 1); t++) {
        let s = 0;
        for (let j = 0; j < 4; j++) s += Math.abs(x[4 * t + j]);
        mx = Math.max(mx, s);
      }
      expect(ls[b]).toBeCloseTo(mx / 127, 6);
    }
    const T = new Float32Array(LUT_ENTRIES);
    const Q = new Int8Array(LUT_ENTRIES);
    buildLutF32(x, 0, 4, T, 0);
    quantizeLutI8(T, 0, ls[0], Q, 0);
    for (let idx = 0; idx < LUT_ENTRIES; idx++) {
      expect(Math.abs(Q[idx] * ls[0] - T[idx])).toBeLessThanOrEqual(ls[0] / 2 + 1e-12);
      expect(Q[idx]).toBe(-Q[15 - idx]);
      expect(Math.abs(Q[idx])).toBeLessThanOrEqual(127);
    }
  });
});

describe('lut kernels', () => {
  it('lists the supported schemes and refuses the others clearly', () => {
    expect(lutSchemes().sort()).toEqual([...LUT_SCHEMES].sort());
    for (const s of SCHEME_NAMES) {
      const r = lutSupport(s);
      if (LUT_SCHEMES.includes(s)) expect(r).toBe(true);
      else expect(r).toMatch(new RegExp(`^kernel lut does not support scheme ${s}: .*\\(supported: int2, int3, int4, int2_asym`));
    }
    // The GPU's lut (the codes' own planes) refuses fp4; the CPU kernels take it through value planes.
    expect(lutSupport('fp4')).toMatch(/^kernel lut does not support scheme fp4: element type float4_e2m1fn does not decode as an affine function/);
    expect(lutValueSchemes().sort()).toEqual([...LUT_SCHEMES, ...VALUE_SCHEMES].sort());
    const c = makeCase('nf4', SHAPES[0]);
    expect(() => matmulLutF32(c.x, 1, c.qt)).toThrow(
      /kernel lut-f32 does not support scheme nf4: element type nf4 does not decode as an affine function of its bit planes, and no value planes: element type nf4 has no integer grid/,
    );
    const i8 = makeCase('int8', SHAPES[0]);
    expect(() => matmulLutI8(i8.x, 1, i8.qt)).toThrow(/kernel lut-i8 does not support scheme int8: element type int8 has 8-bit codes .*no value planes: element type int8 spans -128\.\.127 units, 8 planes/);
    expect(lutSupport('flint4', 'lut-i8', true)).toMatch(/no value planes: element type flint4 spans -16\.\.16 units, 6 planes \(value planes take at most 5\)/);
    const q6 = quantize(seededRandn(2 * 12, 1), 2, 12, 'int4', { group: 6 });
    expect(lutSupport(q6)).toMatch(/group size 6: quant groups must be a multiple of 4/);
  });

  for (const scheme of [...LUT_SCHEMES, 'bitmod4', 'bitmod3', 'fp4', 'mxfp4', 'nvfp4'] as const) {
    const fixed = getScheme(scheme).fixedBlock !== undefined;
    it(`${scheme}: lut-f32 and lut-i8 within their bounds on every shape`, () => {
      let ran = 0;
      for (const shape of SHAPES) {
        if (!applies(scheme, shape)) continue;
        const c = makeCase(scheme, shape);
        const yf = matmulLutF32(c.x, shape.m, c.qt);
        expectBound(yf, c, { c: lutBoundC(c.qt), extra: lutF32ErrorBound(c.x, c.qt, shape.m) });
        const yi = matmulLutI8(c.x, shape.m, c.qt);
        expectBound(yi, c, { c: lutBoundC(c.qt), extra: lutI8ErrorBound(c.x, c.qt, shape.m) });
        for (const block of [4, 32, 128]) {
          const yb = matmulLutI8(c.x, shape.m, c.qt, undefined, { block });
          expectBound(yb, c, { c: lutBoundC(c.qt), extra: lutI8ErrorBound(c.x, c.qt, shape.m, { block }) });
        }
        ran++;
      }
      expect(ran).toBeGreaterThan(fixed ? 0 : 2);
    });
  }

  it('lut-i8 bound is not vacuous on Gaussian data, and the observed error sits well inside it', () => {
    // The bound is worst case: every lookup off by lut_scale/2, added linearly over K/4 lookups per
    // plane. It is therefore measured against sum_k |x_k w_k| (the scale of the DESIGN.md bound,
    // also linear in K), not against |y| (which grows like sqrt(K)); see docs/KERNELS.md.
    const m = 2;
    const n = 64;
    const k = 4096;
    const limits: [AnySchemeName, number][] = [['int3', 0.05], ['int4', 0.05], ['int4_asym', 0.05], ['ternary', 0.05], ['binary', 0.05], ['int2', 0.1]];
    for (const [scheme, limit] of limits) {
      const x = seededRandn(m * k, 21);
      const qt = quantize(seededRandn(n * k, 22), n, k, scheme, scheme === 'ternary' || scheme === 'binary' ? {} : { group: 128 });
      const ref = matmulRef(x, qt, m);
      const y = matmulLutI8(x, m, qt);
      const extra = lutI8ErrorBound(x, qt, m);
      const check = checkMatmulBound(y, ref, m, n, k, { c: lutBoundC(qt), extra });
      expect(check.ok, check.message).toBe(true);
      let boundVsMag = 0;
      let errVsBound = 0;
      let errSq = 0;
      let ySq = 0;
      for (let i = 0; i < m * n; i++) {
        boundVsMag = Math.max(boundVsMag, extra[i] / ref.absSum[i]);
        errVsBound = Math.max(errVsBound, Math.abs(y[i] - ref.y[i]) / extra[i]);
        errSq += (y[i] - ref.y[i]) ** 2;
        ySq += ref.y[i] ** 2;
      }
      expect(boundVsMag, `${scheme}: bound / sum|xw|`).toBeLessThan(limit);
      // Rounding errors of different lookups mostly cancel: the observed error is a small part of the bound ...
      expect(errVsBound, `${scheme}: error / bound`).toBeLessThan(0.25);
      // ... and the int8 tables are near-lossless: NMSE well under T-MAC's 5e-4.
      expect(errSq / ySq, `${scheme}: NMSE`).toBeLessThan(5e-4);
    }
  });

  it('lut-f32 matches dequant-level accuracy: error far below the lut-i8 allowance', () => {
    const c = makeCase('int4', { m: 1, n: 32, k: 1024, group: 128, label: 'K=1024' });
    const yf = matmulLutF32(c.x, 1, c.qt);
    const f32 = lutF32ErrorBound(c.x, c.qt, 1);
    const i8 = lutI8ErrorBound(c.x, c.qt, 1);
    for (let j = 0; j < 32; j++) {
      expect(Math.abs(yf[j] - c.ref.y[j])).toBeLessThanOrEqual(f32[j]);
      expect(f32[j]).toBeLessThan(i8[j] / 100);
    }
  });
});

describe('value planes (src/cpu/lut-values.ts)', () => {
  it('the view holds the same weights: dequantized bit for bit, asymmetric uint-b with b from the value span', () => {
    const planes: Partial<Record<AnySchemeName, number>> = { bitmod4: 5, fp4: 5, mxfp4: 5, nvfp4: 5, bitmod3: 4, fp3: 4 };
    for (const [scheme, bits] of Object.entries(planes) as [AnySchemeName, number][]) {
      const sc = getScheme(scheme);
      const k = sc.fixedBlock ? 4 * sc.fixedBlock : 96;
      const w = seededRandn(13 * k, 3, 0.02);
      w[5] = 0.9; // an outlier: the special values and the largest magnitudes in use
      w[k + 7] = -0.9;
      const qt = quantize(w, 13, k, scheme, sc.fixedBlock ? {} : { group: 32 });
      const view = lutValueView(qt);
      if (typeof view === 'string') throw new Error(view);
      expect(view.bits, scheme).toBe(bits);
      expect(view.elementTypes).toEqual([`uint${bits}`]);
      expect(view.zeros?.length).toBe(qt.scales.length);
      // Equal weights; a code decoding to -0 becomes 0 - z = +0 (no product or sum can tell).
      const want = dequantize(qt);
      const got = dequantize(view);
      const differ = got.findIndex((v, i) => v !== want[i]);
      expect(differ, `${scheme}: weight ${differ} ${got[differ]} vs ${want[differ]}`).toBe(-1);
      expect(lutValueView(qt)).toBe(view); // cached per tensor
    }
  });

  it('refuses tensors it cannot express, naming the reason', () => {
    const t = quantize(seededRandn(4 * 32, 2), 4, 32, 'ternary');
    const codes = t.codes.slice();
    codes[0] = (codes[0] & ~3) | 2; // code 2 of ternary decodes to NaN
    expect(lutValueView({ ...t, codes })).toBe('code 2 (row 0, column 0) decodes to no number');
    const f = quantize(seededRandn(4 * 32, 2), 4, 32, 'fp4', { group: 32 });
    const scales = f.scales.slice();
    scales[2] = 2 ** -149; // times the E2M1 unit 1/2: below the smallest f32
    expect(lutValueView({ ...f, scales })).toBe(`scale ${2 ** -149} of group 0 of row 2 times the unit 0.5 rounds in f32`);
    expect(lutSupport({ ...f, scales }, 'lut-i8', true)).toMatch(/^kernel lut-i8 does not support scheme fp4: .*no value planes: scale .* rounds in f32/);
    const a = quantize(seededRandn(4 * 32, 2), 4, 32, 'int4_asym', { group: 32 });
    expect(lutValueView({ ...a, elementTypes: ['fp4_er_pos'] })).toBe('int4_asym carries its own zero points or offsets');
  });
});

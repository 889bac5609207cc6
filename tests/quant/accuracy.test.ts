// Relative MSE on i.i.d. N(0,1) weights (64 x 4096, g = 128) against the sanity table in REFERENCES.md section 1.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { dequantize, quantize } from '../../src/quant/index.js';
import { normals } from '../dtype/prng.js';

const ROWS = 64;
const COLS = 4096;
const w = normals(ROWS * COLS, 2025);
let variance = 0;
for (const x of w) variance += x * x;
variance /= w.length;

function relMse(scheme: AnySchemeName): number {
  const d = dequantize(quantize(w, ROWS, COLS, scheme, { group: 128 }));
  let e = 0;
  for (let i = 0; i < w.length; i++) e += ((d[i] as number) - (w[i] as number)) ** 2;
  return e / w.length / variance;
}

// REFERENCES.md section 1, "Expected relative error, MSE / variance, g = 128, absmax rule".
const TABLE: Partial<Record<AnySchemeName, number>> = {
  int3: 0.0749,
  fp3: 0.0569,
  fp3_er_pos: 0.0495,
  fp3_er_neg: 0.0495,
  fp3_ea_pos: 0.0424,
  fp3_ea_neg: 0.0424,
  bitmod3: 0.038,
  ant3: 0.0566,
  int4: 0.0138,
  fp4: 0.0119,
  fp4_er_pos: 0.0105,
  fp4_er_neg: 0.0105,
  fp4_ea_pos: 0.0136,
  fp4_ea_neg: 0.0136,
  bitmod4: 0.0096,
  ant4: 0.0132,
};

describe('relative MSE within 10% of the REFERENCES sanity table', () => {
  for (const [scheme, want] of Object.entries(TABLE) as [AnySchemeName, number][]) {
    it(`${scheme} ~ ${want}`, () => {
      const got = relMse(scheme);
      expect(Math.abs(got - want) / want, `${scheme}: got ${got.toFixed(5)}, table ${want}`).toBeLessThan(0.1);
    });
  }
  it('BitMoD beats every single variant and ANT at both widths', () => {
    expect(relMse('bitmod4')).toBeLessThan(Math.min(relMse('fp4_er_pos'), relMse('fp4_ea_pos'), relMse('ant4')));
    expect(relMse('bitmod3')).toBeLessThan(Math.min(relMse('fp3_er_pos'), relMse('fp3_ea_pos'), relMse('ant3')));
  });
});

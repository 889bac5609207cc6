// The bitserial (BitMoD) kernel: term tables sum back to each code's integer, <= 2 terms on BitMoD grids, kernel vs oracle.
import { describe, expect, it } from 'vitest';
import {
  bitSerialBoundC, bitSerialSchemes, bitSerialShape, bitSerialSupport, bitSerialTerms, boothDigits, matmulBitSerial, termsOf,
} from '../../src/cpu/bitserial.js';
import { getDType } from '../../src/dtype/registry.js';
import { getScheme } from '../../src/quant/schemes.js';
import { SCHEME_NAMES, SHAPES, applies, expectBound, makeCase } from './helpers.js';

const BITMOD_TYPES = [
  'fp3', 'fp3_er_pos', 'fp3_er_neg', 'fp3_ea_pos', 'fp3_ea_neg',
  'fp4_er_pos', 'fp4_er_neg', 'fp4_ea_pos', 'fp4_ea_neg', 'flint4', 'float4_e2m1fn',
];

const sumTerms = (terms: readonly { shift: number; sign: number }[]) => terms.reduce((s, t) => s + t.sign * 2 ** t.shift, 0);

describe('bit-serial term tables', () => {
  it('BitMoD grids: every code has at most 2 terms summing to its integer (3=2+1, 6=4+2, 10=8+2, 12=8+4, 16=16)', () => {
    for (const name of BITMOD_TYPES) {
      const t = bitSerialTerms(name);
      expect(t.encoding, name).toBe('binary');
      expect(t.maxTerms, name).toBeLessThanOrEqual(2);
      expect(t.kappa).toBe(1);
      const dt = getDType(name);
      for (const c of t.codes) {
        expect(sumTerms(c.terms), `${name} code ${c.code}`).toBe(c.q);
        if (c.valid) expect(c.q * t.unit).toBe(dt.decodeTable[c.code] === 0 ? 0 : dt.decodeTable[c.code]);
      }
    }
    // The paper's decompositions (REFERENCES.md section 1), on the FP4 EA/ER grids.
    const byQ = (name: string, q: number) => bitSerialTerms(name).codes.find((c) => c.q === q)!.terms.map((x) => x.sign * 2 ** x.shift);
    expect(byQ('fp4_er_pos', 3)).toEqual([2, 1]);
    expect(byQ('fp4_er_pos', 6)).toEqual([4, 2]);
    expect(byQ('fp4_er_pos', 10)).toEqual([8, 2]);
    expect(byQ('fp4_er_pos', 12)).toEqual([8, 4]);
    expect(byQ('fp4_ea_pos', 16)).toEqual([16]);
    expect(byQ('fp4_ea_neg', -16)).toEqual([-16]);
    // E2M1 integer unit 0.5: 6.0 = 12 units = 8 + 4.
    expect(bitSerialTerms('float4_e2m1fn').unit).toBe(0.5);
  });

  it('radix-4 Booth digits are in {0, +-1, +-2} and sum back to q for every int8 and asym difference', () => {
    for (let q = -255; q <= 255; q++) {
      const d = boothDigits(q);
      expect(d.every((v) => v >= -2 && v <= 2)).toBe(true);
      expect(d.reduce((s, v, j) => s + v * 4 ** j, 0)).toBe(q);
      expect(sumTerms(termsOf(q, 'booth'))).toBe(q);
      expect(sumTerms(termsOf(q, 'binary'))).toBe(q);
    }
    // int8: ceil(8/2) = 4 digits at most; 7 = 8 - 1 in int4.
    const i8 = bitSerialTerms('int8');
    expect(i8.encoding).toBe('booth');
    expect(i8.maxTerms).toBeLessThanOrEqual(4);
    expect(termsOf(7, 'booth').map((t) => t.sign * 2 ** t.shift)).toEqual([8, -1]);
    for (const name of ['int2', 'int3', 'int4', 'int8', 'uint4', 'mxint8', 'ternary', 'binary', 'float6_e2m3fn', 'float8_e4m3fn'] as const) {
      const t = bitSerialTerms(name);
      for (const c of t.codes) expect(sumTerms(c.terms), `${name} code ${c.code}`).toBe(c.q);
    }
  });

  it('datatypes without an integer grid have no term table', () => {
    expect(() => bitSerialTerms('nf4')).toThrow(/nf4 has no integer grid/);
    expect(() => bitSerialTerms('float8_e5m2')).toThrow(/float8_e5m2 has no integer grid/);
  });
});

describe('bitserial kernel', () => {
  it('supports every integer-unit scheme and refuses the rest clearly', () => {
    const supported = bitSerialSchemes();
    for (const s of ['fp3', 'fp4', 'bitmod3', 'bitmod4', 'flint4', 'int4', 'int8_asym', 'ternary', 'binary', 'mxfp4', 'nvfp4', 'ant4'] as const) {
      expect(supported).toContain(s);
    }
    for (const s of ['nf4', 'fp8_e5m2', 'mxfp8_e5m2'] as const) {
      expect(bitSerialSupport(s)).toMatch(new RegExp(`^kernel bitserial does not support scheme ${s}: element type \\w+ has no integer grid .*\\(supported: `));
    }
    const c = makeCase('nf4', SHAPES[0]);
    expect(() => matmulBitSerial(c.x, 1, c.qt)).toThrow(/kernel bitserial does not support scheme nf4/);
  });

  for (const scheme of SCHEME_NAMES) {
    if (bitSerialSupport(scheme) !== true) continue;
    it(`${scheme}: every shape within c*K*u*sum|xw|`, () => {
      let ran = 0;
      for (const shape of SHAPES) {
        if (!applies(scheme, shape)) continue;
        const c = makeCase(scheme, shape);
        const y = matmulBitSerial(c.x, shape.m, c.qt);
        expectBound(y, c, { c: bitSerialBoundC(c.qt) });
        ran++;
      }
      expect(ran).toBeGreaterThan(0);
    });
  }

  it('BitMoD schemes spend at most 2 terms per weight; asymmetric ints recode q - zero', () => {
    for (const s of ['bitmod3', 'bitmod4', 'fp3', 'fp4', 'mxfp4', 'nvfp4'] as const) {
      const c = makeCase(s, { m: 1, n: 4, k: 64, group: getScheme(s).fixedBlock ?? 32, label: '' });
      const shape = bitSerialShape(c.qt);
      // fp3 (0 +-1 +-2 +-4) needs one term; the BitMoD specials 3, 6, 10 and E2M1's 3, 6 need two.
      expect(shape.terms, s).toBe(s === 'fp3' ? 1 : 2);
      expect(shape.kappa).toBe(1);
    }
    const a = makeCase('int4_asym', { m: 1, n: 4, k: 64, group: 32, label: '' });
    // q - z in -15..15: Booth, 3 digits.
    expect(bitSerialShape(a.qt).terms).toBe(3);
  });
});

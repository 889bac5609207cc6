// Encode/decode: every code round-trips, RNE and codebook ties, saturation, NaN and signed zero.
import { describe, expect, it } from 'vitest';
import { DTYPE_NAMES, createIntEncoder, decode, encode, getDType, getEncoder } from '../../src/dtype/index.js';
import { mulberry32 } from './prng.js';

describe('every code decodes and re-encodes to itself', () => {
  for (const name of DTYPE_NAMES) {
    it(name, () => {
      const dt = getDType(name);
      for (let c = 0; c < dt.decodeTable.length; c++) {
        const v = decode(dt, c);
        if (Number.isNaN(v)) {
          if (dt.spec.kind === 'float') expect(Number.isNaN(decode(dt, encode(dt, v)))).toBe(true);
          // Codebook NaN entries are never-produced codes (ternary 0b10): nothing encodes to them.
          continue;
        }
        const back = encode(dt, v, { saturate: false });
        if (dt.spec.kind === 'codebook' && Object.is(v, -0)) {
          // Redundant codebook -0 (fp3 0b100, flint4 0b1000) re-encodes to the canonical +0 code.
          expect(back).toBe(dt.decodeTable.indexOf(0));
        } else {
          expect(back, `code ${c} value ${v}`).toBe(c);
        }
      }
    });
  }
});

describe('encode is the nearest value (brute-force oracle over the value list)', () => {
  for (const name of DTYPE_NAMES) {
    it(name, () => {
      const dt = getDType(name);
      const vals = Array.from(dt.values);
      const lo = vals[0]!;
      const hi = vals[vals.length - 1]!;
      const rnd = mulberry32(1234);
      const bad: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const x = lo - 0.2 * (hi - lo) + rnd() * 1.4 * (hi - lo);
        const got = decode(dt, encode(dt, x));
        let best = Infinity;
        for (const v of vals) best = Math.min(best, Math.abs(v - x));
        if (Math.abs(got - x) !== best) bad.push(`x=${x} got ${got}, a value at distance ${best} exists`);
      }
      expect(bad).toEqual([]);
    });
  }
});

describe('round half to even on minifloats (hand-worked, OCP MX v1.0 section 6.3)', () => {
  const e2m1 = (x: number): number => decode('float4_e2m1fn', encode('float4_e2m1fn', x));
  it('E2M1 ties', () => {
    expect(e2m1(2.5)).toBe(2); // 2 = 0b0100 (even mantissa) vs 3 = 0b0101
    expect(e2m1(3.5)).toBe(4); // 3 = 0b0101 vs 4 = 0b0110
    expect(e2m1(0.25)).toBe(0); // 0 = 0b0000 vs 0.5 = 0b0001
    expect(e2m1(0.75)).toBe(1); // 0.5 = 0b0001 vs 1 = 0b0010
    expect(e2m1(1.25)).toBe(1); // 1 = 0b0010 vs 1.5 = 0b0011
    expect(e2m1(1.75)).toBe(2); // 1.5 = 0b0011 vs 2 = 0b0100
    expect(e2m1(5)).toBe(4); // 4 = 0b0110 vs 6 = 0b0111
    expect(e2m1(-2.5)).toBe(-2);
    expect(e2m1(-5)).toBe(-4);
  });
  it('E2M1 saturates by default', () => {
    expect(e2m1(100)).toBe(6);
    expect(e2m1(-7)).toBe(-6);
  });
  it('E4M3: 464 is a tie between 448 (mantissa 110) and the NaN slot, stays 448', () => {
    expect(decode('float8_e4m3fn', encode('float8_e4m3fn', 464, { saturate: false }))).toBe(448);
    expect(encode('float8_e4m3fn', 465, { saturate: false })).toBe(0x7f);
    expect(encode('float8_e4m3fn', -1e6, { saturate: false })).toBe(0x7f);
    expect(decode('float8_e4m3fn', encode('float8_e4m3fn', 1e6))).toBe(448);
    // 17 is a tie between 16 (0b0.1011.000) and 18 (0b0.1011.001): to the even mantissa.
    expect(decode('float8_e4m3fn', encode('float8_e4m3fn', 17))).toBe(16);
    expect(decode('float8_e4m3fn', encode('float8_e4m3fn', 19))).toBe(20);
  });
  it('E5M2: 61440 is a tie between 57344 (mantissa 11) and inf: overflows without saturation', () => {
    expect(decode('float8_e5m2', encode('float8_e5m2', 61440, { saturate: false }))).toBe(Infinity);
    expect(decode('float8_e5m2', encode('float8_e5m2', 61439, { saturate: false }))).toBe(57344);
    expect(decode('float8_e5m2', encode('float8_e5m2', 61440))).toBe(57344);
    expect(decode('float8_e5m2', encode('float8_e5m2', -Infinity))).toBe(-Infinity);
  });
  it('E8M0: 1.5 * 2^k ties to the even exponent code', () => {
    expect(encode('float8_e8m0fnu', 1.5)).toBe(128); // 1 = code 127 (odd), 2 = code 128
    expect(encode('float8_e8m0fnu', 3)).toBe(128); // 2 = code 128 (even), 4 = code 129
    expect(encode('float8_e8m0fnu', 0)).toBe(0);
  });
  it('finite types throw on unsaturated overflow', () => {
    expect(() => encode('float4_e2m1fn', 7, { saturate: false })).toThrow(RangeError);
    expect(decode('float4_e2m1fn', encode('float4_e2m1fn', 6.9, { saturate: false }))).toBe(6);
  });
});

describe('codebook ties go to the lower value (BitMoD reference rule)', () => {
  const q = (n: string, x: number): number => decode(n, encode(n, x));
  it('fp3 and variants', () => {
    expect(q('fp3', 1.5)).toBe(1);
    expect(q('fp3', 3)).toBe(2);
    expect(q('fp3', -1.5)).toBe(-2);
    expect(q('fp3', -3)).toBe(-4);
    expect(q('fp3_ea_pos', 5)).toBe(4);
    expect(q('fp3_er_neg', -3.5)).toBe(-4);
  });
  it('fp4 variants and flint4', () => {
    expect(q('fp4_er_pos', 9)).toBe(8);
    expect(q('fp4_er_pos', 11)).toBe(10);
    expect(q('fp4_ea_neg', -14)).toBe(-16);
    expect(q('flint4', 12)).toBe(8);
    expect(q('flint4', 0.5)).toBe(0);
    expect(q('flint4', -0.5)).toBe(-1);
  });
  it('nf4 midpoints', () => {
    const t = getDType('nf4').decodeTable;
    for (let c = 0; c + 1 < 16; c++) {
      const mid = ((t[c] as number) + (t[c + 1] as number)) / 2;
      expect(encode('nf4', mid)).toBe(c);
    }
  });
  it('ternary rounds half to even (to 0); binary sends 0 to +1', () => {
    expect(q('ternary', 0.5)).toBe(0);
    expect(q('ternary', -0.5)).toBe(0);
    expect(q('ternary', 0.51)).toBe(1);
    expect(q('ternary', -7)).toBe(-1);
    expect(encode('ternary', -1)).toBe(0b11);
    expect(encode('binary', 0)).toBe(1);
    expect(encode('binary', -1e-9)).toBe(0);
  });
});

describe('integers', () => {
  it('round half to even, clamp to the type range', () => {
    expect(decode('int4', encode('int4', 2.5))).toBe(2);
    expect(decode('int4', encode('int4', 3.5))).toBe(4);
    expect(decode('int4', encode('int4', -2.5))).toBe(-2);
    expect(decode('int4', encode('int4', 7.6))).toBe(7);
    expect(encode('int4', -9)).toBe(0b1000);
    expect(() => encode('int4', 7.5, { saturate: false })).toThrow(RangeError);
    expect(() => encode('uint4', -0.6, { saturate: false })).toThrow(RangeError);
    expect(encode('uint4', -0.5, { saturate: false })).toBe(0);
  });
  it('MXINT8 rounds in units of 2^-6', () => {
    expect(encode('mxint8', 1)).toBe(64);
    expect(encode('mxint8', 1.5 / 64)).toBe(2); // tie 1.5 -> 2
  });
  it('restricted symmetric range', () => {
    const e = createIntEncoder('int4', -7, 7);
    expect(decode('int4', e.encode(-100))).toBe(-7);
    expect(e.maxAbs).toBe(7);
    expect(() => createIntEncoder('int4', -9, 7)).toThrow(/does not fit int4/);
  });
});

describe('NaN, inf and signed zero', () => {
  it('NaN goes to the NaN code where there is one, else throws', () => {
    expect(encode('float8_e4m3fn', Number.NaN)).toBe(0x7f);
    expect(Number.isNaN(decode('float8_e5m2', encode('float8_e5m2', Number.NaN)))).toBe(true);
    expect(encode('float8_e8m0fnu', Number.NaN)).toBe(0xff);
    expect(() => encode('float4_e2m1fn', Number.NaN)).toThrow(/cannot represent NaN/);
    expect(() => encode('nf4', Number.NaN)).toThrow(RangeError);
    expect(() => encode('int8', Number.NaN)).toThrow(RangeError);
  });
  it('inf saturates in types without inf', () => {
    expect(decode('float8_e4m3fn', encode('float8_e4m3fn', Infinity))).toBe(448);
    expect(encode('float8_e4m3fn', Infinity, { saturate: false })).toBe(0x7f);
  });
  it('minifloats keep the sign of zero; codebooks use +0', () => {
    expect(encode('float4_e2m1fn', -0)).toBe(0b1000);
    expect(encode('float4_e2m1fn', -0.1)).toBe(0b1000);
    expect(encode('float4_e2m1fn', 0.1)).toBe(0);
    expect(encode('fp3', -0.1)).toBe(0);
    expect(encode('flint4', -0)).toBe(0);
  });
  it('decode rejects out-of-range codes', () => {
    expect(() => decode('int4', 16)).toThrow(/outside 0..15/);
  });
});

describe('encodeSegment agrees with encode', () => {
  for (const name of DTYPE_NAMES) {
    it(name, () => {
      const enc = getEncoder(name);
      const rnd = mulberry32(99);
      const n = 257;
      const src = new Float32Array(n);
      const scale = 0.37;
      for (let i = 0; i < n; i++) src[i] = (rnd() - 0.5) * 3 * enc.maxAbs * scale;
      const codes = new Uint8Array(n);
      const err = enc.encodeSegment(src, 0, n, scale, 0, codes, true);
      const want = new Uint8Array(n);
      let sse = 0;
      for (let i = 0; i < n; i++) {
        const c = enc.encode((src[i] as number) / scale);
        want[i] = c;
        const d = decode(name, c) * scale - (src[i] as number);
        sse += d * d;
      }
      expect(codes).toEqual(want);
      expect(err).toBeCloseTo(sse, 9);
    });
  }
});

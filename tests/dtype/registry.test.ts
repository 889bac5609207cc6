// Datatype registry: literal values from the specs, derived limits and integer grids.
import { describe, expect, it } from 'vitest';
import { DTYPE_NAMES, getDType } from '../../src/dtype/index.js';

const sortedFinite = (name: string): number[] => Array.from(getDType(name).values);

describe('registry', () => {
  it('lists the required names', () => {
    const required = [
      'int2', 'int3', 'int4', 'int8', 'uint2', 'uint3', 'uint4', 'uint8', 'fp3', 'float4_e2m1fn',
      'float5_e2m2', 'float5_e3m1', 'float6_e2m3fn', 'float6_e3m2fn', 'float8_e4m3fn', 'float8_e5m2',
      'float8_e8m0fnu', 'nf4', 'flint4', 'fp4_er_pos', 'fp4_er_neg', 'fp4_ea_pos', 'fp4_ea_neg',
      'fp3_er_pos', 'fp3_er_neg', 'fp3_ea_pos', 'fp3_ea_neg', 'ternary', 'binary', 'mxint8',
    ];
    for (const n of required) expect(DTYPE_NAMES).toContain(n);
  });

  it('rejects unknown names with the list of known ones', () => {
    expect(() => getDType('int5')).toThrow(/Unknown datatype "int5".*float4_e2m1fn/);
  });

  it('decode tables have 2^bits entries', () => {
    for (const n of DTYPE_NAMES) {
      const dt = getDType(n);
      expect(dt.decodeTable.length).toBe(2 ** dt.bits);
    }
  });
});

describe('minifloat values (OCP MX v1.0 section 5.3, OFP8)', () => {
  it('E2M1 non-negative values are 0 .5 1 1.5 2 3 4 6 (MX 5.3.3)', () => {
    const t = getDType('float4_e2m1fn').decodeTable;
    expect(Array.from(t.slice(0, 8))).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(Array.from(t.slice(9, 16))).toEqual([-0.5, -1, -1.5, -2, -3, -4, -6]);
    expect(Object.is(t[8], -0)).toBe(true);
  });

  it('maxima: E4M3 448, E5M2 57344, E2M3 7.5, E3M2 28, E2M1 6', () => {
    expect(getDType('float8_e4m3fn').info.max).toBe(448);
    expect(getDType('float8_e5m2').info.max).toBe(57344);
    expect(getDType('float6_e2m3fn').info.max).toBe(7.5);
    expect(getDType('float6_e3m2fn').info.max).toBe(28);
    expect(getDType('float4_e2m1fn').info.max).toBe(6);
  });

  it('emax of the largest normal per MX section 6.3 (E2M1 2, E2M3 2, E3M2 4, E4M3 8, E5M2 15, INT8 0)', () => {
    const want: Record<string, number> = {
      float4_e2m1fn: 2, float6_e2m3fn: 2, float6_e3m2fn: 4, float8_e4m3fn: 8, float8_e5m2: 15, mxint8: 0,
    };
    for (const [n, e] of Object.entries(want)) expect(getDType(n).info.emax, n).toBe(e);
  });

  it('E4M3: NaN only at S.1111.111, no inf', () => {
    const dt = getDType('float8_e4m3fn');
    const nanCodes = [...dt.decodeTable.keys()].filter((c) => Number.isNaN(dt.decodeTable[c]));
    expect(nanCodes).toEqual([0x7f, 0xff]);
    expect(dt.info.hasInf).toBe(false);
    expect(dt.decodeTable[0x7e]).toBe(448);
    expect(dt.info.tiny).toBe(2 ** -6);
    expect(dt.info.smallestPositive).toBe(2 ** -9);
    expect(dt.info.eps).toBe(2 ** -3);
  });

  it('E5M2: IEEE inf at 0x7C / 0xFC, NaN at 0x7D..0x7F', () => {
    const t = getDType('float8_e5m2').decodeTable;
    expect(t[0x7c]).toBe(Infinity);
    expect(t[0xfc]).toBe(-Infinity);
    for (const c of [0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff]) expect(Number.isNaN(t[c])).toBe(true);
    expect(getDType('float8_e5m2').info.tiny).toBe(2 ** -14);
    expect(getDType('float8_e5m2').info.smallestPositive).toBe(2 ** -16);
  });

  it('E8M0: bias 127, 0xFF NaN, no zero, no sign (MX 5.4.1)', () => {
    const dt = getDType('float8_e8m0fnu');
    expect(dt.decodeTable[127]).toBe(1);
    expect(dt.decodeTable[0]).toBe(2 ** -127);
    expect(dt.decodeTable[254]).toBe(2 ** 127);
    expect(Number.isNaN(dt.decodeTable[255])).toBe(true);
    expect(dt.values.includes(0)).toBe(false);
    expect(dt.info.numValues).toBe(255);
  });

  it('every finite minifloat value is exactly representable in f32', () => {
    for (const n of DTYPE_NAMES) {
      for (const v of getDType(n).values) expect(Math.fround(v)).toBe(v);
    }
  });
});

describe('codebooks (REFERENCES.md sections 1 and 4)', () => {
  it('NF4 levels in code order, ascending', () => {
    const levels = [
      -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
      -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
      0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
      0.7229568362236023, 1.0,
    ];
    expect(Array.from(getDType('nf4').decodeTable)).toEqual(levels.map(Math.fround));
  });

  it('BitMoD / ANT grids in integer units', () => {
    const fp3 = [-4, -2, -1, 0, 1, 2, 4];
    const fp4 = [-12, -8, -6, -4, -3, -2, -1, 0, 1, 2, 3, 4, 6, 8, 12];
    const withExtra = (base: number[], extra: number): number[] => [...base, extra].sort((a, b) => a - b);
    expect(sortedFinite('fp3')).toEqual(fp3);
    expect(sortedFinite('fp3_er_pos')).toEqual(withExtra(fp3, 3));
    expect(sortedFinite('fp3_er_neg')).toEqual(withExtra(fp3, -3));
    expect(sortedFinite('fp3_ea_pos')).toEqual(withExtra(fp3, 6));
    expect(sortedFinite('fp3_ea_neg')).toEqual(withExtra(fp3, -6));
    expect(sortedFinite('fp4_er_pos')).toEqual(withExtra(fp4, 10));
    expect(sortedFinite('fp4_er_neg')).toEqual(withExtra(fp4, -10));
    expect(sortedFinite('fp4_ea_pos')).toEqual(withExtra(fp4, 16));
    expect(sortedFinite('fp4_ea_neg')).toEqual(withExtra(fp4, -16));
    expect(sortedFinite('flint4')).toEqual([-16, -8, -6, -4, -3, -2, -1, 0, 1, 2, 3, 4, 6, 8, 16]);
    expect(sortedFinite('int3')).toEqual([-4, -3, -2, -1, 0, 1, 2, 3]);
    expect(sortedFinite('int4').slice(1)).toEqual([-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the special value sits at the negative-zero code', () => {
    expect(getDType('fp4_er_pos').decodeTable[0b1000]).toBe(10);
    expect(getDType('fp4_ea_neg').decodeTable[0b1000]).toBe(-16);
    expect(getDType('fp3_er_neg').decodeTable[0b100]).toBe(-3);
    expect(getDType('fp3_ea_pos').decodeTable[0b100]).toBe(6);
    expect(Object.is(getDType('fp3').decodeTable[0b100], -0)).toBe(true);
    expect(Object.is(getDType('flint4').decodeTable[0b1000], -0)).toBe(true);
  });

  it('BitMoD FP4 shares its codes with E2M1 (values x2)', () => {
    const e2m1 = getDType('float4_e2m1fn').decodeTable;
    const er = getDType('fp4_er_pos').decodeTable;
    for (let c = 0; c < 16; c++) if (c !== 8) expect(er[c]).toBe(2 * (e2m1[c] as number));
  });

  it('ternary uses int2 codes (11 = -1, 10 unused) and binary 0 = -1, 1 = +1', () => {
    const t = getDType('ternary').decodeTable;
    expect([t[0], t[1], t[3]]).toEqual([0, 1, -1]);
    expect(Number.isNaN(t[2])).toBe(true);
    expect(Array.from(getDType('binary').decodeTable)).toEqual([-1, 1]);
  });
});

describe('integers', () => {
  it('two\'s complement codes', () => {
    expect(Array.from(getDType('int3').decodeTable)).toEqual([0, 1, 2, 3, -4, -3, -2, -1]);
    expect(getDType('int8').decodeTable[0x80]).toBe(-128);
    expect(getDType('uint4').decodeTable[15]).toBe(15);
  });

  it('MXINT8 has an implicit scale of 2^-6 (MX 5.3.3)', () => {
    const t = getDType('mxint8').decodeTable;
    expect(t[64]).toBe(1);
    expect(t[127]).toBe(127 / 64);
    expect(t[0x80]).toBe(-2);
  });
});

describe('integer grids', () => {
  it('E2M1 grid is the BitMoD FP4 grid with unit 0.5', () => {
    const g = getDType('float4_e2m1fn').grid;
    expect(g?.unit).toBe(0.5);
    expect(Array.from(g?.sorted ?? [])).toEqual([-12, -8, -6, -4, -3, -2, -1, 0, 1, 2, 3, 4, 6, 8, 12]);
  });

  it('grid times unit reproduces the decode table', () => {
    for (const n of DTYPE_NAMES) {
      const dt = getDType(n);
      if (!dt.grid) continue;
      for (let c = 0; c < dt.decodeTable.length; c++) {
        if (dt.grid.validCode[c]) expect(dt.grid.byCode[c]! * dt.grid.unit).toBe(dt.decodeTable[c] === 0 ? 0 : dt.decodeTable[c]);
        else expect(Number.isFinite(dt.decodeTable[c])).toBe(false);
      }
    }
  });

  it('exists for ints, BitMoD grids and small floats; not for NF4, E5M2, E8M0', () => {
    for (const n of ['int4', 'uint8', 'mxint8', 'fp3', 'fp4_ea_neg', 'flint4', 'ternary', 'binary', 'float8_e4m3fn', 'float6_e3m2fn'] as const) {
      expect(getDType(n).grid, n).toBeDefined();
    }
    for (const n of ['nf4', 'float8_e5m2', 'float8_e8m0fnu'] as const) expect(getDType(n).grid, n).toBeUndefined();
    expect(getDType('mxint8').grid?.unit).toBe(2 ** -6);
    expect(getDType('float8_e4m3fn').grid?.unit).toBe(2 ** -9);
  });
});

// quantize/dequantize: nearest-grid invariant, zero groups, scale storage, errors, granularity.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import {
  SCHEME_NAMES,
  dequantize,
  getScheme,
  quantize,
} from '../../src/quant/index.js';
import { getDType, roundToF16, decode, encode } from '../../src/dtype/index.js';
import { unpackCodes } from '../../src/format/index.js';
import { mulberry32, normals } from '../dtype/prng.js';

/** N(0,1) data with a few large outliers, as f32. */
function testWeights(rows: number, cols: number, seed: number): Float32Array {
  const w = normals(rows * cols, seed);
  const rnd = mulberry32(seed + 1);
  for (let i = 0; i < w.length; i++) if (rnd() < 0.01) w[i] = (w[i] as number) * 20;
  return w;
}

const DESIGN_NAMES = [
  'int2', 'int3', 'int4', 'int8', 'int2_asym', 'int3_asym', 'int4_asym', 'int8_asym', 'fp3', 'fp4',
  'fp6_e2m3', 'fp6_e3m2', 'fp8_e4m3', 'fp8_e5m2', 'nf4', 'flint4', 'fp4_er_pos', 'fp4_er_neg',
  'fp4_ea_pos', 'fp4_ea_neg', 'fp3_er_pos', 'fp3_er_neg', 'fp3_ea_pos', 'fp3_ea_neg', 'bitmod4',
  'bitmod3', 'ant4', 'ant3', 'mxfp4', 'mxfp6_e2m3', 'mxfp6_e3m2', 'mxfp8_e4m3', 'mxfp8_e5m2',
  'mxint8', 'nvfp4', 'ternary', 'binary',
];

describe('scheme registry', () => {
  it('has every DESIGN.md scheme name', () => {
    expect([...SCHEME_NAMES].sort()).toEqual([...DESIGN_NAMES].sort());
  });
  it('unknown scheme lists the known ones', () => {
    expect(() => getScheme('int5')).toThrow(/Unknown scheme "int5".*bitmod4/);
    expect(() => quantize(new Float32Array(4), 1, 4, 'q4_9' as AnySchemeName)).toThrow(/Unknown scheme "q4_9"; did you mean q4_0.*Known schemes: .*bitmod4.*q4_0.*tq2_0/);
  });
  it('default groups from DESIGN.md / REFERENCES.md', () => {
    expect(getScheme('int4').defaultGroup).toBe(128);
    expect(getScheme('nf4').defaultGroup).toBe(64);
    expect(getScheme('bitmod3').defaultGroup).toBe(128);
    expect(getScheme('mxfp4').fixedBlock).toBe(32);
    expect(getScheme('nvfp4').fixedBlock).toBe(16);
  });
});

/**
 * The grid a unit's codes can take, as dequantized values, for schemes whose elements are the
 * nearest grid point to w (absmax, minmax, absmean families).
 */
function candidateValues(typeName: string, scale: number, zero: number): number[] {
  const dt = getDType(typeName);
  const sym = dt.spec.kind === 'int' && dt.spec.signed;
  const qmax = 2 ** (dt.bits - 1) - 1;
  const out: number[] = [];
  for (const v of dt.decodeTable) {
    if (!Number.isFinite(v)) continue;
    if (sym && Math.abs(v / dt.info.eps) > qmax) continue; // symmetric int range
    out.push(Math.fround(Math.fround(v - zero) * scale));
  }
  return out;
}

describe('every element is the nearest grid point of its stored scale', () => {
  const rows = 3;
  const cols = 96;
  const w = testWeights(rows, cols, 11);
  for (const scheme of SCHEME_NAMES) {
    it(scheme, () => {
      const sc = getScheme(scheme);
      const group = sc.fixedBlock ?? 32;
      const qt = quantize(w, rows, cols, scheme, sc.fixedBlock ? {} : { group: sc.scaleRule === 'absmean' ? -1 : group });
      const deq = dequantize(qt);
      const gpr = cols / qt.groupSize;
      const bad: string[] = [];
      for (let i = 0; i < w.length; i++) {
        const g = Math.floor(i / cols) * gpr + Math.floor((i % cols) / qt.groupSize);
        const typeName = qt.elementTypes[qt.dtypeIds ? (qt.dtypeIds[g] as number) : 0] as string;
        const s = (qt.scales[g] as number) * qt.tensorScale;
        const z = qt.zeros ? (qt.zeros[g] as number) : 0;
        let best = Infinity;
        for (const v of candidateValues(typeName, s, z)) best = Math.min(best, Math.abs(v - (w[i] as number)));
        const err = Math.abs((deq[i] as number) - (w[i] as number));
        // Within f32 rounding of the nearest candidate (the encoder works in f64).
        if (err > best + 1e-6 * Math.abs(w[i] as number) + 1e-30) bad.push(`${i}: err ${err} > best ${best}`);
        if (!Number.isFinite(deq[i] as number)) bad.push(`${i}: ${deq[i]}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }
});

describe('|w - deq| <= half a step inside the range', () => {
  it('int4: step = scale', () => {
    const w = testWeights(4, 256, 3);
    const qt = quantize(w, 4, 256, 'int4');
    const deq = dequantize(qt);
    for (let i = 0; i < w.length; i++) {
      const s = qt.scales[Math.floor(i / 128)] as number;
      expect(Math.abs((deq[i] as number) - (w[i] as number))).toBeLessThanOrEqual(s / 2 + 1e-6 * s);
    }
  });
  it('int8_asym: step = scale', () => {
    const w = testWeights(2, 128, 4);
    const qt = quantize(w, 2, 128, 'int8_asym');
    const deq = dequantize(qt);
    for (let i = 0; i < w.length; i++) {
      const s = qt.scales[Math.floor(i / 128)] as number;
      expect(Math.abs((deq[i] as number) - (w[i] as number))).toBeLessThanOrEqual(s / 2 + 1e-6 * s);
    }
  });
});

describe('codes stay in range', () => {
  it('symmetric ints never use -2^(b-1); ternary never uses 0b10', () => {
    const w = testWeights(4, 128, 8);
    for (const [scheme, bad] of [['int2', 2], ['int3', 4], ['int4', 8], ['int8', 128], ['ternary', 2], ['mxint8', 128]] as const) {
      const qt = quantize(w, 4, 128, scheme);
      const codes = unpackCodes(qt.codes, 4, 128, qt.bits);
      expect(codes.includes(bad), scheme).toBe(false);
      for (const c of codes) expect(c).toBeLessThan(2 ** qt.bits);
    }
  });
});

describe('all-zero groups dequantize to zeros', () => {
  for (const scheme of SCHEME_NAMES) {
    it(scheme, () => {
      const rows = 2;
      const cols = 128;
      const w = testWeights(rows, cols, 21);
      w.fill(0, 0, 64); // first groups of row 0
      w.fill(0, cols, 2 * cols); // all of row 1
      const qt = quantize(w, rows, cols, scheme, getScheme(scheme).fixedBlock ? {} : { group: 32 });
      const deq = dequantize(qt);
      for (const i of [0, 31, 63, cols, cols + 100, 2 * cols - 1]) expect(deq[i]).toBe(0);
      expect(deq.every((v) => Number.isFinite(v))).toBe(true);
      const zeros = quantize(new Float32Array(rows * cols), rows, cols, scheme);
      expect(dequantize(zeros).every((v) => v === 0)).toBe(true);
    });
  }
});

describe('scale storage', () => {
  const w = testWeights(4, 128, 31);
  it('f16 scales are f16 values, f32 scales f32 values', () => {
    for (const s of quantize(w, 4, 128, 'fp4').scales) expect(roundToF16(s)).toBe(s);
    const q32 = quantize(w, 4, 128, 'fp4', { scaleDType: 'f32' });
    expect(q32.scaleDType).toBe('f32');
    expect(q32.scales.some((s) => roundToF16(s) !== s)).toBe(true);
  });
  it('BitMoD scales are clamped to [1e-5, 1e4] before f16 rounding', () => {
    const tiny = new Float32Array(128).fill(1e-9);
    expect(quantize(tiny, 1, 128, 'fp4_er_pos').scales[0]).toBe(roundToF16(1e-5));
    const huge = new Float32Array(128).fill(1e6);
    expect(quantize(huge, 1, 128, 'bitmod4').scales[0]).toBe(1e4);
  });
  it('MX scales are powers of two, NVFP4 block scales E4M3 values', () => {
    for (const s of quantize(w, 4, 128, 'mxfp4').scales) expect(2 ** Math.round(Math.log2(s))).toBe(s);
    for (const s of quantize(w, 4, 128, 'nvfp4').scales) expect(decode('float8_e4m3fn', encode('float8_e4m3fn', s))).toBe(s);
  });
  it('f16 overflow is a clear error', () => {
    const big = new Float32Array(128).fill(1e9);
    expect(() => quantize(big, 1, 128, 'int4')).toThrow(/overflows f16.*f32/);
    expect(() => quantize(big, 1, 128, 'int4', { scaleDType: 'f32' })).not.toThrow();
  });
});

describe('granularity', () => {
  const rows = 3;
  const cols = 64;
  const w = testWeights(rows, cols, 41);
  it('0 = per output channel, -1 = per tensor', () => {
    const ch = quantize(w, rows, cols, 'int4', { group: 0 });
    expect(ch.granularity).toBe('channel');
    expect(ch.groupSize).toBe(cols);
    expect(ch.scales.length).toBe(rows);
    for (let r = 0; r < rows; r++) {
      let amax = 0;
      for (let k = 0; k < cols; k++) amax = Math.max(amax, Math.abs(w[r * cols + k] as number));
      expect(ch.scales[r]).toBe(roundToF16(amax / 7));
    }
    const t = quantize(w, rows, cols, 'int4', { group: -1 });
    expect(t.granularity).toBe('tensor');
    expect(new Set(t.scales).size).toBe(1);
    let amax = 0;
    for (const x of w) amax = Math.max(amax, Math.abs(x));
    expect(t.scales[0]).toBe(roundToF16(amax / 7));
  });
  it('per-tensor mixtures pick one datatype for the whole tensor', () => {
    const t = quantize(w, rows, cols, 'bitmod4', { group: -1 });
    expect(new Set(t.dtypeIds).size).toBe(1);
  });
});

describe('errors', () => {
  it('group size must divide K', () => {
    expect(() => quantize(new Float32Array(200), 2, 100, 'int4')).toThrow(/G=128 does not divide K=100/);
    expect(() => quantize(new Float32Array(200), 2, 100, 'int4', { group: 30 })).toThrow(/G=30 does not divide K=100/);
    expect(() => quantize(new Float32Array(200), 2, 100, 'int4', { group: 50 })).not.toThrow();
    expect(() => quantize(new Float32Array(200), 2, 100, 'int4', { group: -2 })).toThrow(/got -2/);
  });
  it('fixed-block schemes reject other groups and K not a multiple of the block', () => {
    expect(() => quantize(new Float32Array(128), 1, 128, 'mxfp4', { group: 64 })).toThrow(/fixed block of 32.*group 64/);
    expect(() => quantize(new Float32Array(48), 1, 48, 'mxfp4')).toThrow(/multiple of its block size 32; got K=48/);
    expect(() => quantize(new Float32Array(24), 1, 24, 'nvfp4')).toThrow(/block size 16; got K=24/);
    expect(() => quantize(new Float32Array(32), 1, 32, 'mxfp4', { group: 32 })).not.toThrow();
    expect(() => quantize(new Float32Array(32), 1, 32, 'mxfp4', { scale: 'mse' })).toThrow(/mse/);
    expect(() => quantize(new Float32Array(32), 1, 32, 'mxfp4', { scaleDType: 'f16' })).toThrow(/e8m0/);
  });
  it('NaN and Inf weights name the first offending (row, col)', () => {
    const w = new Float32Array(4 * 64);
    w[3 * 64 + 5] = Number.NaN;
    w[3 * 64 + 9] = Infinity;
    expect(() => quantize(w, 4, 64, 'int4', { group: 32 })).toThrow(/\(row 3, col 5\) is NaN/);
    w[3 * 64 + 5] = 0;
    expect(() => quantize(w, 4, 64, 'fp8_e5m2', { group: 32 })).toThrow(/\(row 3, col 9\) is Infinity/);
  });
  it('wrong lengths and shapes', () => {
    expect(() => quantize(new Float32Array(10), 2, 4, 'int4')).toThrow(/10 elements, expected rows \* cols = 2 x 4 = 8/);
    expect(() => quantize(new Float32Array(0), 0, 4, 'int4')).toThrow(/positive integers/);
    const qt = quantize(new Float32Array(128), 1, 128, 'int4');
    expect(() => dequantize(qt, new Float32Array(3))).toThrow(/out has 3 elements/);
  });
});

describe('dequantize', () => {
  it('fills and returns the given output array', () => {
    const w = testWeights(2, 128, 51);
    const qt = quantize(w, 2, 128, 'nf4');
    const out = new Float32Array(256);
    expect(dequantize(qt, out)).toBe(out);
    expect(out).toEqual(dequantize(qt));
  });
});

describe('scale mse never does worse than absmax', () => {
  const rows = 4;
  const cols = 256;
  const w = testWeights(rows, cols, 61);
  const sse = (a: Float32Array): number => a.reduce((s, v, i) => s + (v - (w[i] as number)) ** 2, 0);
  for (const scheme of SCHEME_NAMES.filter((n) => getScheme(n).mseSearch)) {
    it(scheme, () => {
      const a = sse(dequantize(quantize(w, rows, cols, scheme)));
      const m = sse(dequantize(quantize(w, rows, cols, scheme, { scale: 'mse' })));
      expect(m).toBeLessThanOrEqual(a * (1 + 1e-9));
    });
  }
  it('improves int3 on N(0,1) data', () => {
    const g = normals(8 * 1024, 62);
    const e = (opts: object): number => dequantize(quantize(g, 8, 1024, 'int3', opts)).reduce((s, v, i) => s + (v - (g[i] as number)) ** 2, 0);
    expect(e({ scale: 'mse' })).toBeLessThan(0.9 * e({}));
  });
});

// Scale rules on hand-worked examples: MX (OCP MX v1.0 6.3), NVFP4, BitMoD/ANT mixture ties, asym, ternary, binary.
import { describe, expect, it } from 'vitest';
import { dequantize, quantize, variantHistogram } from '../../src/quant/index.js';
import { unpackCodes } from '../../src/format/index.js';

const codesOf = (qt: ReturnType<typeof quantize>): Uint8Array => unpackCodes(qt.codes, qt.rows, qt.cols, qt.bits);

describe('MX scale rule (shared_exp = floor(log2(amax)) - emax_elem)', () => {
  it('MXFP4 blocks worked by hand', () => {
    const w = new Float32Array(96);
    // Block 0: amax 5 -> floor(log2 5) = 2, E2M1 emax 2 -> X = 2^0 = 1.
    w.set([5, -0.3, 0.7, 1.25, 0.1, -2.5], 0);
    // Block 1: amax 100 -> floor(log2 100) = 6 -> X = 2^4 = 16.
    w.set([100, 40, -20, 3], 32);
    // Block 2: all zero.
    const qt = quantize(w, 1, 96, 'mxfp4');
    expect(Array.from(qt.scales)).toEqual([1, 16, 2 ** -127]);
    const d = dequantize(qt);
    // 5 -> tie between 4 (0b0110) and 6 (0b0111) -> 4; -0.3 -> -0.5; 0.7 -> 0.5;
    // 1.25 -> tie 1 / 1.5 -> 1; 0.1 -> 0; -2.5 -> tie -2 / -3 -> -2.
    expect(Array.from(d.slice(0, 6))).toEqual([4, -0.5, 0.5, 1, 0, -2]);
    // 100/16 = 6.25 -> 6 -> 96; 40/16 = 2.5 -> 2 -> 32; -20/16 = -1.25 -> -1 -> -16; 3/16 = 0.1875 -> 0.
    expect(Array.from(d.slice(32, 36))).toEqual([96, 32, -16, 0]);
    expect(d.slice(64).every((v) => v === 0)).toBe(true);
  });

  it('MXFP8 E4M3 clamps elements to 448', () => {
    const w = new Float32Array(32);
    w[0] = 1000; // floor(log2 1000) = 9, emax 8 -> X = 2; 1000/2 = 500 -> clamped to 448
    w[1] = 3;
    const qt = quantize(w, 1, 32, 'mxfp8_e4m3');
    expect(qt.scales[0]).toBe(2);
    expect(Array.from(dequantize(qt).slice(0, 2))).toEqual([896, 3]);
  });

  it('MXINT8: X = 2^floor(log2 amax), elements RNE in units of 2^-6, clamped to +-127', () => {
    const w = new Float32Array(32);
    w.set([3, -3.99, 0.01, 1 / 64], 0); // amax 3.99 -> exp 1 -> X = 2
    const qt = quantize(w, 1, 32, 'mxint8');
    expect(qt.scales[0]).toBe(2);
    const c = codesOf(qt);
    // 3/2 * 64 = 96; -3.99/2*64 = -127.68 -> clamp -127; 0.01/2*64 = 0.32 -> 0; (1/64)/2*64 = 0.5 -> 0 (tie to even).
    expect([c[0], c[1], c[2], c[3]]).toEqual([96, 256 - 127, 0, 0]);
    expect(Array.from(dequantize(qt).slice(0, 2))).toEqual([3, (-127 / 64) * 2]);
  });

  it('MXFP6 E3M2 uses emax 4', () => {
    const w = new Float32Array(32);
    w[0] = 40; // floor(log2 40) = 5 -> X = 2^(5-4) = 2; 40/2 = 20 exactly representable
    expect(quantize(w, 1, 32, 'mxfp6_e3m2').scales[0]).toBe(2);
    expect(dequantize(quantize(w, 1, 32, 'mxfp6_e3m2'))[0]).toBe(40);
  });
});

describe('NVFP4 (E2M1 elements, E4M3 block scale, FP32 tensor scale)', () => {
  it('two blocks worked by hand', () => {
    const w = new Float32Array(32);
    w.set([12, 3.1, 9, -1.2], 0); // block 0: amax 12
    w.set([3, 1.3, -0.4], 16); // block 1: amax 3
    const qt = quantize(w, 1, 32, 'nvfp4');
    const ts = Math.fround(12 / (6 * 448)); // tensor scale = amax / (6 * 448)
    expect(qt.tensorScale).toBe(ts);
    expect(qt.hasTensorScale).toBe(true);
    // Block scales: 12/6/ts ~ 448 -> E4M3 448; 3/6/ts ~ 112 (= 1.75 * 2^6, an E4M3 value).
    expect(Array.from(qt.scales)).toEqual([448, 112]);
    // Block 0 effective scale ~ 2: 12 -> 6, 3.1 -> 1.55 -> 1.5, 9 -> 4.5 -> 4, -1.2 -> -0.6 -> -0.5.
    // Block 1 effective scale ~ 0.5: 3 -> 6, 1.3 -> 2.6 -> 3, -0.4 -> -0.8 -> -1.
    const e = [6, 1.5, 4, -0.5];
    const f = [6, 3, -1];
    const d = dequantize(qt);
    const deq = (v: number, bs: number): number => Math.fround(Math.fround(v * bs) * ts);
    expect(Array.from(d.slice(0, 4))).toEqual(e.map((v) => deq(v, 448)));
    expect(Array.from(d.slice(16, 19))).toEqual(f.map((v) => deq(v, 112)));
  });
});

describe('mixture selection (BitMoD rule: first candidate wins ties)', () => {
  it('picks ER_POS on a tie, ER_NEG and EA_NEG when strictly better', () => {
    const g = 16;
    const w = new Float32Array(3 * g);
    w.set([12, -12], 0); // scale 12/12 = 1: ER_POS and ER_NEG both exact -> tie -> ER_POS (id 0)
    w.set([12, -10], g); // -10 only in ER_NEG -> id 1
    w.set([-16, 1], 2 * g); // EA_NEG at scale 1 is exact; ER at scale 4/3 is not -> id 3
    const qt = quantize(w, 1, 3 * g, 'bitmod4', { group: g });
    expect(Array.from(qt.dtypeIds ?? [])).toEqual([0, 1, 3]);
    expect(qt.idBits).toBe(2);
    expect(Array.from(dequantize(qt))).toEqual(Array.from(w));
    expect(variantHistogram(qt)).toEqual({ fp4_er_pos: 1, fp4_er_neg: 1, fp4_ea_pos: 0, fp4_ea_neg: 1 });
  });

  it('bitmod3 picks EA_POS when +6 fits best', () => {
    const w = new Float32Array(8);
    w.set([6, 2, -1], 0); // EA_POS at scale 1 is exact
    const qt = quantize(w, 1, 8, 'bitmod3', { group: 8 });
    expect(Array.from(qt.dtypeIds ?? [])).toEqual([2]);
  });

  it('ANT: all-zero group keeps int (id 0); a flint-shaped group picks flint4', () => {
    const w = new Float32Array(32);
    w.set([16, 1, -1, 2], 16); // flint4 at scale 1 is exact; int4 at 16/7 is not
    const qt = quantize(w, 1, 32, 'ant4', { group: 16 });
    expect(Array.from(qt.dtypeIds ?? [])).toEqual([0, 1]);
    expect(qt.idBits).toBe(1);
  });

  it('histogram counts sum to the number of groups', () => {
    const w = new Float32Array(4 * 256).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    const qt = quantize(w, 4, 256, 'bitmod3');
    const h = variantHistogram(qt);
    expect(Object.values(h).reduce((a, b) => a + b, 0)).toBe(8);
    expect(variantHistogram(quantize(w, 4, 256, 'int4'))).toEqual({ int4: 8 });
    expect(variantHistogram(quantize(w, 4, 256, 'int4', { group: -1 }))).toEqual({ int4: 1 });
  });
});

describe('asymmetric integers (min/max with zero point)', () => {
  it('int2_asym on [-1, 0, 1, 2]', () => {
    const w = Float32Array.from([-1, 0, 1, 2]);
    const qt = quantize(w, 1, 4, 'int2_asym', { group: 4 });
    // lo = -1, hi = 2, scale = 3 / 3 = 1, zero = round(1 / 1) = 1, codes = w + 1.
    expect(qt.scales[0]).toBe(1);
    expect(qt.zeros?.[0]).toBe(1);
    expect(Array.from(codesOf(qt))).toEqual([0, 1, 2, 3]);
    expect(Array.from(dequantize(qt))).toEqual([-1, 0, 1, 2]);
  });
  it('all-positive group still represents 0 exactly (range includes 0)', () => {
    const w = Float32Array.from([0, 3, 6, 9, 12, 15, 1, 2]);
    const qt = quantize(w, 1, 8, 'int4_asym', { group: 8 });
    expect(qt.zeros?.[0]).toBe(0);
    expect(qt.scales[0]).toBe(1);
    expect(Array.from(dequantize(qt))).toEqual(Array.from(w));
  });
});

describe('ternary (BitNet b1.58 absmean) and binary', () => {
  it('ternary: scale = mean|W| over the tensor, q = clamp(round(W / scale), -1, 1)', () => {
    const w = Float32Array.from([1, -2, 0.2, 0.5, -0.1, 0.3, 2, 0]);
    // mean|W| = 6.1 / 8 = 0.7625; W/scale: 1.31 -> 1, -2.62 -> -1, 0.26 -> 0, 0.66 -> 1,
    // -0.13 -> 0, 0.39 -> 0, 2.62 -> 1, 0 -> 0.
    const qt = quantize(w, 2, 4, 'ternary');
    const s = Math.fround(6.1 / 8);
    expect(qt.granularity).toBe('tensor');
    expect(qt.scales[0]).toBe(s);
    expect(Array.from(codesOf(qt))).toEqual([1, 3, 0, 1, 0, 0, 1, 0]);
    expect(Array.from(dequantize(qt))).toEqual([s, -s, 0, s, 0, 0, s, 0]);
  });
  it('ternary: W / scale = 0.5 rounds half to even (to 0)', () => {
    const w = Float32Array.from([1, -1, 0.5, -0.5, 2, -2, 1, -1]); // mean|W| = 1
    expect(Array.from(codesOf(quantize(w, 1, 8, 'ternary')))).toEqual([1, 3, 0, 0, 1, 3, 1, 3]);
  });
  it('binary: sign per element (0 -> +1), mean|w| per output channel', () => {
    const w = Float32Array.from([1, -3, 0, 2, /* row 1 */ -1, -1, -1, -1]);
    const qt = quantize(w, 2, 4, 'binary');
    expect(qt.granularity).toBe('channel');
    expect(Array.from(qt.scales)).toEqual([1.5, 1]);
    expect(Array.from(codesOf(qt))).toEqual([1, 0, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(dequantize(qt))).toEqual([1.5, -1.5, 1.5, 1.5, -1, -1, -1, -1]);
  });
});

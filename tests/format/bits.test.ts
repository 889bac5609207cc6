// Bits per weight from the byte layout in docs/FORMATS.md, computed by hand per scheme.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/quant/index.js';
import { bitsBreakdown, bitsPerWeight } from '../../src/format/index.js';
import { normals } from '../dtype/prng.js';

const N = 8;
const K = 256;
const w = normals(N * K, 5);
const bpw = (scheme: AnySchemeName, opts = {}): number => bitsPerWeight(quantize(w, N, K, scheme, opts));

describe('bits per weight at default groups', () => {
  it('hand-computed values', () => {
    expect(bpw('int4')).toBe(4 + 16 / 128); // 4.125: 4-bit codes + f16 scale per 128
    expect(bpw('int4', { scaleDType: 'f32' })).toBe(4 + 32 / 128);
    expect(bpw('int3')).toBe(3 + 16 / 128);
    expect(bpw('int8')).toBe(8 + 16 / 128);
    expect(bpw('int4_asym')).toBe(4 + (16 + 4) / 128); // + 4-bit zero point
    expect(bpw('int8_asym')).toBe(8 + (16 + 8) / 128);
    expect(bpw('fp4')).toBe(4 + 16 / 128);
    expect(bpw('fp6_e3m2')).toBe(6 + 16 / 128);
    expect(bpw('nf4')).toBe(4 + 16 / 64); // 4.25
    expect(bpw('bitmod4')).toBe(4 + (16 + 2) / 128); // + 2-bit datatype id
    expect(bpw('bitmod3')).toBe(3 + (16 + 2) / 128);
    expect(bpw('ant4')).toBe(4 + (16 + 1) / 128); // + 1-bit id
    expect(bpw('mxfp4')).toBe(4 + 8 / 32); // 4.25: E8M0 per 32
    expect(bpw('mxfp6_e2m3')).toBe(6 + 8 / 32);
    expect(bpw('mxfp8_e4m3')).toBe(8 + 8 / 32);
    expect(bpw('mxint8')).toBe(8 + 8 / 32);
    expect(bpw('nvfp4')).toBe(4 + 8 / 16 + 32 / (N * K)); // E4M3 per 16 + one FP32
    expect(bpw('ternary')).toBe(2 + 32 / (N * K)); // one f32 scale per tensor
    expect(bpw('binary')).toBe(1 + 16 / K); // one f16 scale per output channel
  });

  it('granularity changes how many scales are stored', () => {
    expect(bpw('int4', { group: 0 })).toBe(4 + 16 / K);
    expect(bpw('int4', { group: -1 })).toBe(4 + 16 / (N * K));
    expect(bpw('int4', { group: 32 })).toBe(4 + 16 / 32);
    expect(bpw('bitmod4', { group: -1 })).toBe(4 + (16 + 2) / (N * K));
  });

  it('breakdown adds up', () => {
    const b = bitsBreakdown(quantize(w, N, K, 'int4_asym'));
    expect(b.codes).toBe(N * K * 4);
    expect(b.scales).toBe(N * (K / 128) * 16);
    expect(b.zeros).toBe(N * (K / 128) * 4);
    expect(b.ids).toBe(0);
    expect(b.tensorScale).toBe(0);
    expect(b.total).toBe(b.codes + b.scales + b.zeros);
  });
});

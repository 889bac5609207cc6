// ggml codecs: the type table, both decode paths on arbitrary block bytes, quantize options and errors, the f32 emulation helpers.
import { describe, expect, it } from 'vitest';
import { quantize, dequantize } from '../../src/quant/quantize.js';
import { GGML_SCHEME_NAMES, getScheme } from '../../src/quant/schemes.js';
import { GGML_CODECS, GGML_TYPES, dequantizeGgmlBlocks, ggmlBitsPerWeight, ggmlBlocksToQuantized, ggmlCodec, ggmlTypeById, ggmlTypeByName } from '../../src/ggml/index.js';
import { floatToInt8, floatToUint8, nearestInt, roundHalfAway } from '../../src/ggml/f32-emulation.js';
import { roundHalfEven } from '../../src/dtype/rounding.js';
import { mulberry32 } from '../../src/io/random.js';
import { referenceWeights } from './reference-data.js';

describe('type table', () => {
  it('ids and sizes of the block formats (ggml.h enum ggml_type, ggml-common.h static_asserts)', () => {
    const want: [string, number, number, number][] = [
      ['q4_0', 2, 32, 18], ['q4_1', 3, 32, 20], ['q5_0', 6, 32, 22], ['q5_1', 7, 32, 24], ['q8_0', 8, 32, 34],
      ['q2_k', 10, 256, 84], ['q3_k', 11, 256, 110], ['q4_k', 12, 256, 144], ['q5_k', 13, 256, 176], ['q6_k', 14, 256, 210],
      ['iq4_nl', 20, 32, 18], ['tq1_0', 34, 256, 54], ['tq2_0', 35, 256, 66], ['mxfp4', 39, 32, 17], ['f32', 0, 1, 4], ['f16', 1, 1, 2], ['bf16', 30, 1, 2],
    ];
    for (const [name, id, block, size] of want) {
      expect(ggmlTypeByName(name), name).toEqual({ id, name, blockSize: block, typeSize: size });
      expect(ggmlTypeById(id)?.name).toBe(name);
    }
    expect(ggmlTypeById(4)).toBeUndefined(); // removed Q4_2
    expect(new Set(GGML_TYPES.map((t) => t.id)).size).toBe(GGML_TYPES.length);
  });
  it('every codec agrees with the table and its scheme', () => {
    for (const c of GGML_CODECS) {
      const t = ggmlTypeByName(c.type)!;
      expect([c.blockSize, c.blockBytes], c.type).toEqual([t.blockSize, t.typeSize]);
      expect(c.codeBytes).toBeLessThan(c.blockBytes);
      expect(c.blockSize % c.groupSize).toBe(0);
    }
    for (const s of GGML_SCHEME_NAMES) {
      const sc = getScheme(s);
      expect(sc.family).toBe('ggml');
      expect(sc.fixedBlock).toBe(ggmlCodec(s)!.blockSize);
      expect(sc.elementTypes).toEqual([ggmlCodec(s)!.elementType]);
    }
    expect(ggmlBitsPerWeight(ggmlTypeByName('q6_k')!)).toBe(6.5625);
  });
});

/** Index of the first value whose bits differ (NaN matches NaN), or -1. */
function firstBitDiff(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

describe('decode paths agree on arbitrary blocks', () => {
  // Random bytes reach every code, every sub-block scale and min, and f16 scales that are
  // subnormal, huge, inf or NaN.
  for (const c of GGML_CODECS) {
    it(`${c.type}: dequantize_row == dequantize(QuantizedTensor) on 64 random blocks`, () => {
      const rng = mulberry32(c.blockBytes * 977);
      const n = 64;
      const bytes = Uint8Array.from({ length: n * c.blockBytes }, () => Math.floor(rng() * 256));
      // MXFP4's E8M0 NaN scale has no lowbit meaning (refused; tested with the layouts).
      if (c.type === 'mxfp4') for (let b = 0; b < n; b++) if (bytes[b * c.blockBytes] === 0xff) bytes[b * c.blockBytes] = 0xfe;
      const direct = new Float32Array(n * c.blockSize);
      dequantizeGgmlBlocks(c.type, bytes, n, direct);
      const viaQt = dequantize(ggmlBlocksToQuantized(c.type, bytes, 2, (n * c.blockSize) / 2));
      const bad = firstBitDiff(direct, viaQt);
      // MXFP4's -0 code is +0 in ggml, -0 in lowbit's E2M1: equal as numbers.
      if (c.type === 'mxfp4') {
        for (let i = 0; i < direct.length; i++) if (!(direct[i] === viaQt[i] || (Number.isNaN(direct[i]) && Number.isNaN(viaQt[i])))) expect.fail(`value ${i}`);
      } else {
        expect(bad, bad < 0 ? '' : `${c.type} element ${bad}: ${direct[bad]} vs ${viaQt[bad]}`).toBe(-1);
      }
    });
  }
});

describe('ggml schemes in quantize', () => {
  const w = referenceWeights(2, 512, 3);
  it('reject options the formats do not have, naming the scheme', () => {
    expect(() => quantize(w, 2, 512, 'q4_k', { group: 32 })).toThrow(/q4_k uses a fixed block of 256/);
    expect(quantize(w, 2, 512, 'q4_k', { group: 256 }).groupSize).toBe(32);
    expect(() => quantize(w, 2, 512, 'q4_0', { scale: 'mse' })).toThrow(/q4_0.*scale 'mse' is not supported/);
    expect(() => quantize(w, 2, 512, 'q4_0', { scaleDType: 'f32' })).toThrow(/q4_0 stores its scales as f16/);
    expect(() => quantize(w.subarray(0, 2 * 160), 2, 160, 'q6_k')).toThrow(/q6_k needs K to be a multiple of its block size 256; got K=160/);
  });
  it('reject NaN weights and f16 overflow of a block scale, naming row and block', () => {
    const bad = w.slice();
    bad[300] = Number.NaN;
    expect(() => quantize(bad, 2, 512, 'q8_0')).toThrow(/row 0, col 300/);
    const big = new Float32Array(64).fill(1);
    big[40] = 1e7; // d = 1e7 / 127 > 65504
    expect(() => quantize(big, 1, 64, 'q8_0')).toThrow(/q8_0: row 0, block 1 \(columns 32\.\.63\): q8_0 block scale d = .* overflows f16/);
  });
  it('give tensors in the QuantizedTensor form with the blocks attached', () => {
    const qt = quantize(w, 2, 512, 'q5_k');
    expect([qt.bits, qt.groupSize, qt.scales.length, qt.offsets?.length, qt.blocks?.bytes.length]).toEqual([5, 32, 32, 32, 4 * 176]);
    expect(qt.elementTypes).toEqual(['uint5']);
    const q3 = quantize(w, 2, 512, 'q3_k');
    expect([q3.bits, q3.groupSize, q3.zeros?.[0], q3.offsets]).toEqual([3, 16, 4, undefined]);
  });
});

describe('f32 emulation of the C code', () => {
  it("nearest_int is round-half-even below 2^22, and ggml's bit trick beyond", () => {
    const rng = mulberry32(5);
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround((rng() - 0.5) * 2 ** (1 + Math.floor(rng() * 22)));
      expect(nearestInt(x)).toBe(roundHalfEven(x) + 0);
    }
    expect([0.5, 1.5, 2.5, -0.5, -2.5].map(nearestInt)).toEqual([0, 2, 2, 0, -2]);
    // Past 2^22 the sum leaves [2^23, 2^24): 4194305 + 12582912 = 2^24 + 1 rounds to 2^24, whose
    // mantissa bits are 0, so C's nearest_int gives 0 - 2^22.
    expect(nearestInt(4194305)).toBe(-4194304);
  });
  it('float -> int8/uint8 conversions truncate, and NaN / out of range give the low byte of INT32_MIN', () => {
    expect([floatToInt8(8.99), floatToInt8(-0.7), floatToInt8(127.9), floatToInt8(200), floatToInt8(Number.NaN), floatToInt8(Infinity)]).toEqual([8, 0, 127, -56, 0, 0]);
    expect([floatToUint8(31.5), floatToUint8(256.5), floatToUint8(-1.5)]).toEqual([31, 0, 255]);
  });
  it('roundf / lroundf send ties away from zero', () => {
    expect([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999997].map(roundHalfAway)).toEqual([1, 2, 3, -1, -3, 0]);
  });
});
